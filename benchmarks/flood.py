"""One socket floods the server; how long do another client's REST call and socket message take?

    python benchmarks/flood.py --events 3000 --probes 20

Starts its own ``python wsgi.py`` (eventlet, one process) on a fresh SQLite database, or on
``--database-url`` (a migrated database). One attendee's socket sends ``--events`` ``send_message``
events as fast as it can, without waiting for acks; meanwhile a second attendee times
``GET /api/messages/session/:id`` and a ``send_message`` ack of its own, ``--probes`` times each.
Prints what the flood got back (ok / rate_limited / disconnected) and the probes' latencies
(p50 / p95 / max). Goal: the probes stay under 100 ms (SPEC §17: the flood is refused in memory,
before any database or Redis work).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realtime.e2e import Client, Server  # noqa: E402


def prepare(database_url: str | None):
    """A migrated database with two attendees and a live session: (url, flooder, other, session_id)."""
    from flask_migrate import upgrade

    from plataforma import create_app
    from plataforma.extensions import db
    from tests.conftest import ContentFactory, UserFactory
    from tests.realtime.e2e import JWT_SECRET_KEY, SECRET_KEY

    url = database_url or "sqlite:///" + str(Path(tempfile.mkdtemp(prefix="flood-")) / "flood.db")
    config = {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url}
    app = create_app(config | {"SECRET_KEY": SECRET_KEY, "JWT_SECRET_KEY": JWT_SECRET_KEY})
    with app.app_context():
        if database_url is None:
            upgrade()
    users = UserFactory(app)
    flooder, other = users(), users()
    session_id = ContentFactory(app).session()
    with app.app_context():
        db.engine.dispose()
    return url, flooder, other, session_id


def flood(server_url: str, flooder, other, session_id: str, events: int, probes: int) -> dict:
    """Run the flood and the probes; returns counts and the probes' latencies in ms."""
    import requests

    attacker = Client(server_url, flooder.token).connect()
    victim = Client(server_url, other.token).connect()
    try:
        assert attacker.call("join_session", {"sessionId": session_id})["ok"]
        assert victim.call("join_session", {"sessionId": session_id})["ok"]
        acks = {"ok": 0}
        lock = threading.Lock()
        started = threading.Event()

        def count(answer):
            key = "ok" if answer.get("ok") else answer["error"]["code"]
            with lock:
                acks[key] = acks.get(key, 0) + 1

        def send_all():
            sent = 0
            for i in range(events):
                if i == 100:
                    started.set()
                try:
                    attacker.sio.emit("send_message", {"sessionId": session_id, "text": f"flood {i}"}, callback=count)
                    sent += 1
                except Exception:  # the server disconnected the flooder
                    break
            acks["sent"] = sent
            started.set()

        sender = threading.Thread(target=send_all)
        sender.start()
        started.wait(30)
        rest_ms, socket_ms = [], []
        headers = {"Authorization": f"Bearer {other.token}"}
        for i in range(probes):
            t0 = time.perf_counter()
            response = requests.get(f"{server_url}/api/messages/session/{session_id}", headers=headers, timeout=30)
            rest_ms.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.text
            t0 = time.perf_counter()
            answer = victim.call("upvote_question", {"questionId": "00000000-0000-0000-0000-000000000000"})
            socket_ms.append((time.perf_counter() - t0) * 1000)
            assert answer["ok"] is False and answer["error"]["code"] == "not_found", answer  # answered, not stuck
            if i == 0:
                t0 = time.perf_counter()
                assert victim.call("send_message", {"sessionId": session_id, "text": "still heard"})["ok"]
                socket_ms.append((time.perf_counter() - t0) * 1000)
        sender.join(60)
        time.sleep(0.5)
        return {
            "acks": dict(acks),
            "disconnected": attacker.disconnected.is_set(),
            "rest_ms": rest_ms,
            "socket_ms": socket_ms,
        }
    finally:
        attacker.close()
        victim.close()


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url, flooder, other, session_id = prepare(args.database_url)
    server = Server(url).start()
    try:
        result = flood(server.url, flooder, other, session_id, args.events, args.probes)
    finally:
        server.stop()
    print(f"flood: {args.events} events; acks {result['acks']}; flooder disconnected: {result['disconnected']}")
    print(f"REST GET during the flood:        {_summary(result['rest_ms'])}")
    print(f"socket acks during the flood:     {_summary(result['socket_ms'])}")
    worst = max(result["rest_ms"] + result["socket_ms"])
    print(f"goal < 100 ms: {'met' if worst < 100 else 'NOT met'} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
