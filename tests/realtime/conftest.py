"""Fixtures for the Socket.IO tests: Flask-SocketIO test clients and a few helpers."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from flask_socketio.test_client import SocketIOTestClient
from socketio import packet

from plataforma.extensions import socketio
from tests.contract_client import check_ack, check_server_event

IN_CI = bool(os.environ.get("CI"))
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


class RecordingClient(SocketIOTestClient):
    """A test client that also keeps the data of a refused connection (``connect_errors``)."""

    def connect(self, namespace=None, query_string=None, headers=None, auth=None):
        self.connect_errors = []
        send = self.socketio.server._send_packet

        def record(eio_sid, pkt):
            if eio_sid == self.eio_sid and pkt.packet_type == packet.CONNECT_ERROR:
                self.connect_errors.append(pkt.data)
            return send(eio_sid, pkt)

        self.socketio.server._send_packet = record
        try:
            super().connect(namespace=namespace, query_string=query_string, headers=headers, auth=auth)
        finally:
            self.socketio.server._send_packet = send

    def ack(self, event: str, *args) -> dict:
        """Emit ``event`` and return its acknowledgement (checked against the socket contract)."""
        answer = self.emit(event, *args, callback=True)
        if answer is not None:
            check_ack(self.app, event, answer)
        return answer

    def get_received(self, namespace=None):
        """Every event received is checked against the socket contract (plataforma/schemas/socket.py)."""
        received = super().get_received(namespace)
        for item in received:
            check_server_event(self.app, item["name"], item["args"])
        return received

    def events(self, name: str) -> list:
        """Payloads of the ``name`` events received since the last call (others are kept)."""
        received = self.get_received()
        found = [item["args"][0] for item in received if item["name"] == name]
        self.queue.extend(item for item in received if item["name"] != name)
        return found

    def wait_events(self, name: str, seconds: float = 5.0) -> list:
        """:meth:`events`, waiting up to ``seconds`` for at least one: for a broadcast that a background
        task makes (a delayed disconnect emits the room's viewer count after the socket is gone)."""
        deadline = time.monotonic() + seconds
        found = self.events(name)
        while not found and time.monotonic() < deadline:
            time.sleep(0.02)
            found = self.events(name)
        return found

    def wait_disconnected(self, seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while self.is_connected() and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.is_connected()


@pytest.fixture(autouse=True)
def background_tasks(make_app, monkeypatch):
    """Socket.IO background tasks (delayed disconnects) finish before the tables are emptied."""
    tasks = []
    start = socketio.start_background_task

    def recorded(target, *args, **kwargs):
        task = start(target, *args, **kwargs)
        tasks.append(task)
        return task

    monkeypatch.setattr(socketio, "start_background_task", recorded)
    yield tasks
    for task in tasks:
        task.join(timeout=10)


@pytest.fixture
def sio(app):
    """``sio(user)`` -> a test client connected with ``auth={"token": ...}``; ``sio(auth=...)`` for anything else;
    ``on_app=`` another app from ``make_app`` (create it before the client: the server is the latest app's)."""
    clients = []

    def connect(user=None, *, auth=None, query_string=None, on_app=None):
        if user is not None and auth is None:
            auth = {"token": user.token}
        client = RecordingClient(on_app or app, socketio, auth=auth, query_string=query_string)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.is_connected():
            client.disconnect()


@pytest.fixture
def joined(sio):
    """``joined(user, session_id)`` -> a client that has joined the session (and whose queue is empty)."""

    def join(user, session_id):
        client = sio(user)
        answer = client.ack("join_session", {"sessionId": session_id})
        assert answer["ok"], answer
        client.get_received()
        return client

    return join


def require_redis() -> str:
    """The test Redis URL if it answers; skip if not (fail in CI)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is required in CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_url():
    return require_redis()


@pytest.fixture
def unique_prefix(redis_url):
    """A key prefix no other run uses; its keys are deleted afterwards."""
    import redis

    prefix = f"plataforma-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


# ---------------------------------------------------------------- end-to-end


@pytest.fixture
def e2e_app(make_app):
    """An app signing tokens with the keys the e2e servers use (data is emptied after each test)."""
    from tests.realtime.e2e import JWT_SECRET_KEY, SECRET_KEY

    return make_app(SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=JWT_SECRET_KEY)


@pytest.fixture
def e2e_users(e2e_app):
    from tests.conftest import UserFactory

    return UserFactory(e2e_app)


@pytest.fixture
def e2e_content(e2e_app):
    from tests.conftest import ContentFactory

    return ContentFactory(e2e_app)


@pytest.fixture
def e2e_clients(e2e_app):
    """``e2e_clients(url, token)`` -> a connected real client; all are closed afterwards, and the
    servers have recorded the end of every visit before the tables are emptied."""
    import sqlalchemy as sa

    from plataforma.extensions import db
    from plataforma.models import SessionView
    from tests.realtime.e2e import Client

    made = []

    def connect(url, token=None, **kwargs):
        client = Client(url, token, **kwargs)
        made.append(client)
        return client.connect()

    yield connect
    for client in made:
        client.close()
    deadline = time.monotonic() + 10
    with e2e_app.app_context():
        open_visits = sa.select(sa.func.count()).select_from(SessionView).where(SessionView.left_at.is_(None))
        while db.session.scalar(open_visits) and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
        db.session.remove()


@pytest.fixture
def server(database_url):
    """A real ``python wsgi.py`` with the default settings (end-to-end tests; some modules use their own)."""
    from tests.realtime.e2e import Server

    running = Server(database_url).start()
    yield running
    running.stop()
