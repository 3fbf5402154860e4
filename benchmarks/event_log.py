"""Event log benchmark (SPEC §16): what numbering costs a chat message, and what a replay costs.

    python benchmarks/event_log.py --database-url postgresql://postgres@127.0.0.1:5432/test \
        --writers 8 --messages 200

Creates a scratch database (PostgreSQL: on the server of ``--database-url``; default a temporary
SQLite file), migrates it, then

* posts ``--messages`` chat messages per writer thread, all into ONE session (the worst case:
  every writer takes the same counter row), and prints messages/s and per-post latency
  percentiles; then the same into one session PER writer (no shared counter);
* replays 1,000 missed events (``event_log.replay``) and prints its time.

Run it on an idle machine; the figures are for comparison between runs, not absolutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def scratch_database(url: str | None) -> tuple[str, callable]:
    import tempfile

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from plataforma.config import normalise_database_url

    if not url:
        path = Path(tempfile.mkdtemp()) / "bench.db"
        return f"sqlite:///{path}", lambda: None
    base = make_url(normalise_database_url(url))
    name = f"bench_event_log_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run_writers(app, session_ids: list[uuid.UUID], writers: int, messages: int) -> tuple[float, list[float]]:
    from plataforma.extensions import db
    from plataforma.models import Profile, Role
    from plataforma.services import accounts, chat, commit

    with app.test_request_context():
        profiles = []
        for _ in range(writers):
            profiles.append(
                accounts.create_user(
                    email=f"w{uuid.uuid4().hex[:8]}@bench.test", password="password123", name="W", role=Role.ATTENDEE
                ).id
            )
        commit()
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers)

    def writer(index: int) -> None:
        with app.test_request_context():
            actor = db.session.get(Profile, profiles[index])
            session_id = session_ids[index % len(session_ids)]
            barrier.wait()
            mine = []
            for n in range(messages):
                start = time.perf_counter()
                chat.post_message(actor, session_id, f"message {n}")
                commit()
                mine.append(time.perf_counter() - start)
            with lock:
                latencies.extend(mine)
            db.session.remove()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()

    url, drop = scratch_database(args.database_url)
    try:
        from flask_migrate import upgrade

        from plataforma import create_app
        from plataforma.extensions import db
        from plataforma.models import Event, EventSession, Project, ProjectStatus
        from plataforma.services import event_log

        app = create_app(
            {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "CHAT_RATE_LIMIT": "1000000 per second"}
        )
        with app.app_context():
            upgrade()
            project = Project(name="Bench", status=ProjectStatus.LIVE)
            event = Event(project=project, title="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
            sessions = [EventSession(event=event, title=f"S{i}") for i in range(args.writers + 1)]
            db.session.add_all(sessions)
            db.session.commit()
            ids = [s.id for s in sessions]

        print(f"database: {url.split('@')[-1].split('?')[0]}  writers: {args.writers}  messages each: {args.messages}")
        for label, targets in (("one session", ids[:1]), ("a session each", ids[1:])):
            seconds, latencies = run_writers(app, targets, args.writers, args.messages)
            total = args.writers * args.messages
            print(
                f"{label:>15}: {total / seconds:8.0f} messages/s"
                f"   post+commit p50 {percentile(latencies, 50) * 1e3:6.1f} ms"
                f"  p99 {percentile(latencies, 99) * 1e3:6.1f} ms  max {max(latencies) * 1e3:6.1f} ms"
                f"  (mean {statistics.mean(latencies) * 1e3:.1f} ms)"
            )
        with app.app_context():
            latest = event_log.latest_seq(ids[0])
            start = time.perf_counter()
            answer = event_log.replay(ids[0], max(latest - 1000, 0))
            replay = time.perf_counter() - start
            print(f"replay of {len(answer['missed'])} missed events: {replay * 1e3:.1f} ms")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
