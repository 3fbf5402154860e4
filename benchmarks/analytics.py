"""Analytics benchmark: one session with 100,000 views and 50,000 messages.

    python benchmarks/analytics.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                   [--views 100000] [--messages 50000] [--viewers 20000] [--runs 5]
                                   [--keep | --reuse URL]

Creates a scratch database on the server of ``--database-url`` (default: TEST_DATABASE_URL, else
the local PostgreSQL; a ``sqlite:///`` URL works too), runs the migrations, bulk-inserts the
views (several per viewer, overlapping tabs, 2 % still open, spread over six hours) and the
messages, then times ``GET /api/sessions/:id/analytics`` (the service call, as the route makes
it) and the event analytics, printing the best / median time and the number of SQL statements.
The scratch database is dropped at the end; ``--keep`` keeps it (and prints its URL) so that
``--reuse URL`` can time it again without rebuilding the data, or ``psql`` can EXPLAIN the queries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def scratch_database(base_url: str):
    from plataforma.config import normalise_database_url

    url = make_url(normalise_database_url(base_url))
    if url.get_backend_name() == "sqlite":
        path = Path(f"/tmp/analytics-bench-{uuid.uuid4().hex[:8]}.db")
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    name = f"analytics_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def populate(db, n_views: int, n_messages: int, n_viewers: int):
    from plataforma.models import Credential, Event, EventSession, Message, Profile, Project, Role, SessionView

    rng = random.Random(14)
    # The last six hours (open views must be in the past: they last until now).
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6, minutes=30)
    project = Project(id=uuid.uuid4(), name="Bench", status="LIVE")
    event = Event(id=uuid.uuid4(), project_id=project.id, title="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    session = EventSession(id=uuid.uuid4(), event_id=event.id, title="Bench session")
    db.session.add_all([project, event, session])
    admin_id = uuid.uuid4()
    db.session.add(Credential(id=admin_id, email="bench-admin@example.com"))
    db.session.flush()
    db.session.add(Profile(id=admin_id, name="Admin", role=Role.ADMIN))
    db.session.flush()

    users = [uuid.uuid4() for _ in range(n_viewers)]
    db.session.execute(sa.insert(Credential), [{"id": u, "email": f"{u}@example.com"} for u in users])
    db.session.execute(sa.insert(Profile), [{"id": u, "name": f"Viewer {i}"} for i, u in enumerate(users)])
    views = []
    for i in range(n_views):
        joined = start + timedelta(seconds=rng.randrange(6 * 3600))
        left = None if rng.random() < 0.02 else joined + timedelta(seconds=rng.randrange(30, 3600))
        views.append(
            {
                "id": uuid.uuid4(),
                "session_id": session.id,
                "user_id": users[i % n_viewers],
                "joined_at": joined,
                "left_at": left,
            }
        )
    for chunk in range(0, len(views), 10_000):
        db.session.execute(sa.insert(SessionView), views[chunk : chunk + 10_000])
    messages = [
        {
            "id": uuid.uuid4(),
            "session_id": session.id,
            "user_id": users[i % n_viewers],
            "text": f"message {i}",
            "created_at": start + timedelta(seconds=i % (6 * 3600)),
        }
        for i in range(n_messages)
    ]
    for chunk in range(0, len(messages), 10_000):
        db.session.execute(sa.insert(Message), messages[chunk : chunk + 10_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    return admin_id, session.id, event.id


def bench_ids(db):
    """(admin id, session id, event id) of a database a previous ``--keep`` run populated."""
    from plataforma.models import Credential, EventSession

    admin_id = db.session.scalar(sa.select(Credential.id).where(Credential.email == "bench-admin@example.com"))
    session = db.session.scalars(sa.select(EventSession).where(EventSession.title == "Bench session")).one()
    return admin_id, session.id, session.event_id


def backend_cpu_seconds(db) -> float | None:
    """CPU time used so far by this session's PostgreSQL backend (local server only; None elsewhere).

    On a machine shared with other work, wall time mostly measures the wait for a core;
    CPU time (server + client) is what the same call costs on an idle machine.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, runs: int, counter, db) -> tuple[list[float], list[float], int]:
    times, cpu = [], []
    for _ in range(runs):
        counter.clear()
        server_before, client_before = backend_cpu_seconds(db), time.process_time()
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
        server_after = backend_cpu_seconds(db)
        server = (server_after - server_before) if server_before is not None and server_after is not None else 0.0
        cpu.append(server + time.process_time() - client_before)
    return times, cpu, len(counter) - (2 if db.engine.dialect.name == "postgresql" else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--views", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--viewers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument("--keep", action="store_true", help="keep the scratch database and print its URL")
    reuse.add_argument("--reuse", metavar="URL", help="time a database a previous --keep run left")
    args = parser.parse_args()

    from plataforma import create_app
    from plataforma.extensions import db
    from plataforma.models import Profile
    from plataforma.services import analytics

    url, drop = (args.reuse, lambda: None) if args.reuse else scratch_database(args.database_url)
    try:
        app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            if args.reuse:
                admin_id, session_id, event_id = bench_ids(db)
            else:
                from flask_migrate import upgrade

                upgrade()
                began = time.perf_counter()
                admin_id, session_id, event_id = populate(db, args.views, args.messages, args.viewers)
                print(
                    f"{db.engine.dialect.name}: inserted {args.views} views ({args.viewers} viewers) and "
                    f"{args.messages} messages in {time.perf_counter() - began:.1f} s"
                )
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        statements: list[str] = []
        with app.test_request_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            actor = db.session.get(Profile, admin_id)
            analytics.session_analytics(actor, session_id)  # warm-up
            for label, fn in (
                ("session analytics", lambda: analytics.session_analytics(actor, session_id)),
                (
                    "session analytics, minute buckets",
                    lambda: analytics.session_analytics(actor, session_id, bucket="minute"),
                ),
                ("viewers list (50)", lambda: analytics.viewers(actor, session_id)),
                ("event analytics", lambda: analytics.event_analytics(actor, event_id)),
            ):
                times, cpu, queries = timed(fn, args.runs, statements, db)
                print(
                    f"{label:34} wall best {min(times) * 1000:6.0f} ms median {statistics.median(times) * 1000:6.0f} ms"
                    f"  CPU (server + client) best {min(cpu) * 1000:6.0f} ms  {queries} SQL statements"
                )
            figures = analytics.session_analytics(actor, session_id)
            print(
                f"check: {figures['total_views']} views, {figures['unique_viewers']} viewers, peak "
                f"{figures['peak_concurrent']}, {figures['engagement']['messages']} messages, "
                f"{len(figures['timeline'])} hourly buckets"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        if args.keep:
            print(f"kept: --reuse {url}")
        else:
            drop()


if __name__ == "__main__":
    main()
