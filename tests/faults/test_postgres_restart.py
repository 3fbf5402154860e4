"""PostgreSQL restarts under load (real ``python wsgi.py`` on a throw-away cluster): 503 while it is
away, the pool recovers by itself, and every acknowledged write is in the database afterwards."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from plataforma import create_app
from plataforma.config import normalise_database_url
from plataforma.extensions import db
from tests.conftest import ContentFactory, UserFactory
from tests.realtime.e2e import JWT_SECRET_KEY, SECRET_KEY, WAIT, Client, Server

# Runs in the PostgreSQL pass (its own cluster, but PostgreSQL's server binaries are needed).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL pass only (TEST_DATABASE_URL)"),
]


@pytest.fixture
def cluster_app(postgres_cluster):
    """An app on a migrated database of the throw-away cluster, signing tokens like the servers."""
    url = postgres_cluster.url.rsplit("/", 1)[0] + "/plataforma"
    admin = sa.create_engine(normalise_database_url(postgres_cluster.url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE plataforma"))
    admin.dispose()
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "JWT_SECRET_KEY": JWT_SECRET_KEY,
        }
    )
    with app.app_context():
        upgrade()
    yield app, url
    with app.app_context():
        db.engine.dispose()


class Load:
    """Posts chat messages over REST and over a socket until stopped; records what was acknowledged."""

    def __init__(self, server: Server, token: str, socket: Client, session_id: str):
        self.server, self.token, self.socket, self.session_id = server, token, socket, session_id
        self.acked: list[str] = []  # message ids the server acknowledged
        self.statuses: dict[object, int] = {}
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._rest), threading.Thread(target=self._socket)]

    def _count(self, key) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def _rest(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        while not self.stop.is_set():
            body = {"sessionId": self.session_id, "text": f"rest {uuid.uuid4().hex[:8]}"}
            try:
                response = requests.post(f"{self.server.url}/api/messages", json=body, headers=headers, timeout=WAIT)
            except requests.RequestException as exc:
                self._count(type(exc).__name__)
                continue
            self._count(response.status_code)
            if response.status_code == 201:
                self.acked.append(response.json()["id"])
            time.sleep(0.01)

    def _socket(self) -> None:
        while not self.stop.is_set():
            answer = self.socket.call("send_message", {"sessionId": self.session_id, "text": "socket"})
            self._count("ack:" + (answer["error"]["code"] if not answer["ok"] else "ok"))
            if answer["ok"]:
                self.acked.append(answer["data"]["id"])
            time.sleep(0.01)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _wait_health(server: Server, status: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server.url}/health", timeout=5).status_code == status:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def test_postgres_restart_under_load(postgres_cluster, cluster_app):
    app, url = cluster_app
    user = UserFactory(app)()
    session_id = ContentFactory(app).session()
    # Capacity under an outage is tested here, not flood control: the socket sends up to ~100 events/s.
    limits = {"RATELIMIT_CHAT": "100000 per second", "RATELIMIT_DEFAULT": "100000 per second"}
    server = Server(url, SOCKET_EVENT_BUDGET="100000 per second", **limits).start()
    socket = Client(server.url, user.token).connect()
    try:
        assert socket.call("join_session", {"sessionId": session_id})["ok"]
        with Load(server, user.token, socket, session_id) as load:
            time.sleep(1)
            postgres_cluster.stop("immediate")  # as a crash: no checkpoint, connections cut
            assert _wait_health(server, 503, seconds=10)
            time.sleep(1)
            while_down = dict(load.statuses)
            postgres_cluster.start()
            assert _wait_health(server, 200)  # the pool reconnects by itself; no restart of ours
            acked_before = len(load.acked)
            time.sleep(1)
            assert len(load.acked) > acked_before  # writes flow again
        print("\nstatuses:", load.statuses, "acknowledged:", len(load.acked))
        assert 500 not in load.statuses and "ack:internal_error" not in load.statuses
        assert while_down.get(503, 0) > 0 and while_down.get("ack:service_unavailable", 0) > 0
        log = Path(server.log.name).read_text(errors="replace")  # all of it: output() keeps the tail
        assert "Traceback" not in log  # one line per failure, not a traceback each (webhook worker included)
    finally:
        socket.close()
        server.stop()

    with app.app_context():
        stored = set(db.session.scalars(sa.text("SELECT id::text FROM messages")))
        db.session.remove()
    lost = [message_id for message_id in load.acked if message_id not in stored]
    assert lost == []
