"""What one chat message costs the server process: CPU and SQL statements of ``send_message``.

    python benchmarks/chat_handler.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                      [--messages 2000] [--profile FILE]

The fan-out benchmark (``../shared/perf``) shows the handler as a share of the server's CPU; this
script isolates it. It creates a scratch database (default a temporary SQLite file; PostgreSQL on
the server of ``--database-url``), one LIVE session and one attendee, connects a Flask-SocketIO
test client (the socket handlers, guard, schema and ack exactly as in production, without the
network), joins, and sends ``--messages`` chat messages one after the other, each acknowledged.
It prints the process CPU and the wall time per message (the attendee also receives its own
``new_message``: one member's delivery is included) and the SQL statements per message.
``--profile FILE`` writes a cProfile of the timed part. ``--batch N`` measures instead what a saturated
process runs for N messages that arrived together: the batch's store (``handlers._store_messages``:
``chat.post_messages``, the payloads, the commit and the room's emit) for N posts at a time, by N
attendees (the socket layer and the acks left out); the figures stay per message.

Run it on an idle machine; the figures are for comparison between commits, not absolutes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.event_log import scratch_database  # noqa: E402

UNLIMITED = {
    "CHAT_RATE_LIMIT": "1000000 per 5 seconds",
    "SOCKET_EVENT_BUDGET": "1000000 per 5 seconds",
    "ROOM_RATE_LIMIT": "1000000 per 10 seconds",
}


def prepare(app) -> tuple[str, str]:
    """(session id, attendee's access token)."""
    from plataforma.extensions import db
    from plataforma.models import Event, EventSession, EventStatus, Project, ProjectStatus, Role
    from plataforma.services import accounts, commit
    from plataforma.services.tokens import issue_session

    with app.test_request_context():
        project = Project(name="Bench", status=ProjectStatus.LIVE)
        event = Event(project=project, title="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}", status=EventStatus.LIVE)
        session = EventSession(event=event, title="Bench")
        db.session.add_all([project, event, session])
        profile = accounts.create_user(
            email=f"chat-{uuid.uuid4().hex[:8]}@bench.test", password="password123", name="Bench", role=Role.ATTENDEE
        )
        commit()
        return str(session.id), issue_session(profile)["access_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server for the scratch database")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", metavar="FILE")
    parser.add_argument("--batch", type=int, default=0, help="store N messages per transaction (the batch path)")
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from plataforma import create_app
    from plataforma.extensions import db

    url, drop = scratch_database(args.database_url)
    try:
        app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, **UNLIMITED})
        with app.app_context():
            upgrade()
        session_id, token = prepare(app)
        if args.batch:
            send, finish = batch_sender(app, session_id, args.batch)
            args.messages -= args.messages % args.batch
        else:
            send, finish = socket_sender(app, session_id, token)
        for n in range(args.warmup - args.warmup % max(args.batch, 1)):
            send(n)
        statements = []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        profiler = cProfile.Profile() if args.profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for n in range(args.messages):
            send(n)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finish()
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        print(
            f"{sa.engine.make_url(url).get_backend_name()}: {args.messages} messages"
            + (f" in batches of {args.batch}" if args.batch else "")
            + f", CPU {cpu / args.messages * 1000:.2f} ms per message, wall {wall / args.messages * 1000:.2f} ms, "
            f"{len(statements) / args.messages:.1f} SQL statements per message (besides BEGIN / COMMIT)"
        )
    finally:
        drop()


def socket_sender(app, session_id: str, token: str):
    """``send(n)``: one acknowledged ``send_message`` through the Socket.IO test client; and ``finish()``."""
    from flask_socketio.test_client import SocketIOTestClient

    from plataforma.extensions import socketio

    client = SocketIOTestClient(app, socketio, auth={"token": token})
    answer = client.emit("join_session", {"sessionId": session_id}, callback=True)
    assert answer and answer["ok"], answer

    def send(n: int) -> None:
        answer = client.emit("send_message", {"sessionId": session_id, "text": f"message {n}"}, callback=True)
        if not answer["ok"]:
            raise SystemExit(f"send_message failed: {answer}")
        if n % 100 == 0:
            client.get_received()  # the client's own copies of new_message

    return send, client.disconnect


def batch_sender(app, session_id: str, size: int):
    """``send(n)``: queue a post; every ``size``-th stores the queue as one batch (``_store_messages``)."""
    from plataforma.extensions import db
    from plataforma.models import Role
    from plataforma.realtime.batches import Post
    from plataforma.realtime.handlers import _store_messages
    from plataforma.services import accounts, commit

    with app.test_request_context():
        actors = [
            accounts.create_user(
                email=f"batch-{uuid.uuid4().hex[:8]}@bench.test",
                password="password123",
                name="Bench",
                role=Role.ATTENDEE,
            )
            for _ in range(size)
        ]
        commit()
        for actor in actors:
            db.session.refresh(actor)  # loaded, as the socket layer holds its actors
            db.session.expunge(actor)
    queued: list = []

    def send(n: int) -> None:
        queued.append(Post(actors[len(queued)], session_id, f"message {n}"))
        if len(queued) == size:
            with app.test_request_context():
                _store_messages(queued)
            failed = [post.outcome for post in queued if isinstance(post.outcome, BaseException)]
            if failed:
                raise SystemExit(f"a batch failed: {failed[0]!r}")
            queued.clear()

    return send, lambda: None


if __name__ == "__main__":
    main()
