"""Connections PostgreSQL cuts: the pool's check before use (only after a connection sat idle,
DATABASE_PING_IDLE_SECONDS), and requests whose connection is cut while they run.

Against the test database: the check's round trip is skipped for a connection returned moments ago,
made for one idle longer, and a connection the server cut is replaced before use when idle, or fails
one statement (503 for a request) when just used, after which the pool serves fresh connections.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from plataforma import errors
from plataforma.errors import NotFound
from plataforma.extensions import db
from plataforma.services import chat
from tests.conftest import ContentFactory, UserFactory
from tests.db.conftest import postgres_only

pytestmark = postgres_only


@pytest.fixture
def pings(monkeypatch):
    """Count the pool's checks (the dialect's ``do_ping``) of the app's engine."""

    def watch(app) -> list:
        calls = []
        with app.app_context():
            dialect = db.engine.dialect
        real = dialect.do_ping
        monkeypatch.setattr(dialect, "do_ping", lambda conn: calls.append(conn) or real(conn))
        return calls

    return watch


def _backend_pid(app) -> int:
    """Run one query as a request would (checkout, query, checkin); the server process it ran on."""
    with app.app_context():
        try:
            return db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        finally:
            db.session.remove()


def _terminate(app, pid: int) -> None:
    """Cut one connection from the server side, as a restart or a proxy's timeout would."""
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)  # not the app's pool
    try:
        with admin.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}) is True
    finally:
        admin.dispose()


def test_a_connection_used_moments_ago_is_not_checked(make_app, pings):
    app = make_app(DATABASE_PING_IDLE_SECONDS=60)
    calls = pings(app)
    pid = _backend_pid(app)  # a fresh connection: never checked
    assert [_backend_pid(app) for _ in range(5)] == [pid] * 5  # the same connection, reused
    assert calls == []


def test_an_idle_connection_is_checked_before_use(make_app, pings):
    app = make_app(DATABASE_PING_IDLE_SECONDS=0.05)
    calls = pings(app)
    pid = _backend_pid(app)
    assert _backend_pid(app) == pid and calls == []  # returned moments ago
    time.sleep(0.1)
    assert _backend_pid(app) == pid and len(calls) == 1  # idle past the threshold: checked, alive
    always = make_app(DATABASE_PING_IDLE_SECONDS=0)
    always_calls = pings(always)
    _backend_pid(always)
    _backend_pid(always)
    _backend_pid(always)
    assert len(always_calls) == 2  # 0: every checkout but the fresh connection's first


def test_an_idle_connection_cut_by_the_server_is_replaced_before_use(make_app, pings):
    app = make_app(DATABASE_PING_IDLE_SECONDS=0.05)
    calls = pings(app)
    pid = _backend_pid(app)
    _terminate(app, pid)
    time.sleep(0.1)
    replaced = _backend_pid(app)  # the check fails, the pool connects again: the query succeeds
    assert replaced != pid and len(calls) == 1


def test_a_connection_cut_while_in_use_fails_once_and_the_pool_recovers(make_app, pings):
    app = make_app(DATABASE_PING_IDLE_SECONDS=60)
    attendee, live_session = UserFactory(app)("ATTENDEE"), ContentFactory(app).session()
    calls = pings(app)
    pid = _backend_pid(app)
    _terminate(app, pid)
    with app.app_context():
        with pytest.raises(OperationalError) as failed:
            db.session.execute(sa.text("SELECT 1"))
        assert failed.value.connection_invalidated
        db.session.remove()
    assert _backend_pid(app) != pid  # the next checkout gets a new connection
    # Through the API: a request on a cut connection answers 503 service_unavailable, the next one 200.
    client = app.test_client()
    headers = {"Authorization": f"Bearer {attendee.token}"}
    assert client.get(f"/api/messages/session/{live_session}", headers=headers).status_code == 200
    _terminate(app, _backend_pid(app))
    response = client.get(f"/api/messages/session/{live_session}", headers=headers)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "service_unavailable"
    assert client.get(f"/api/messages/session/{live_session}", headers=headers).status_code == 200
    assert calls == []


def _cut_own_connection(app) -> None:
    """Inside a request: the database cuts the connection its open transaction is on."""
    _terminate(app, db.session.scalar(sa.text("SELECT pg_backend_pid()")))


def test_a_request_whose_connection_is_cut_before_it_ends_still_gets_its_answer(make_app, monkeypatch):
    """The transaction is open when the connection goes: closing the session at the end of the
    request fails (Flask-SQLAlchemy's teardown would raise, a 500 that eventlet logs nowhere), and so
    does an error handler's rollback. Both are logged in one line; the answer stands."""
    app = make_app()
    attendee, session_id = UserFactory(app)("ATTENDEE"), ContentFactory(app).session()
    client, headers = app.test_client(), attendee.headers
    real = chat.list_messages

    def read_then_cut(*args, **kwargs):
        messages = real(*args, **kwargs)
        _cut_own_connection(app)
        return messages

    monkeypatch.setattr(chat, "list_messages", read_then_cut)
    assert client.get(f"/api/messages/session/{session_id}", headers=headers).status_code == 200

    def read_cut_then_refuse(*args, **kwargs):
        real(*args, **kwargs)
        _cut_own_connection(app)
        raise NotFound("Session not found.")

    monkeypatch.setattr(chat, "list_messages", read_cut_then_refuse)
    response = client.get(f"/api/messages/session/{session_id}", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    monkeypatch.setattr(chat, "list_messages", real)
    assert client.get(f"/api/messages/session/{session_id}", headers=headers).status_code == 200


def test_closing_a_session_on_a_cut_connection_does_not_raise(make_app):
    app = make_app()
    with app.app_context():
        _cut_own_connection(app)  # a transaction is open on it
        errors.rollback()
        _cut_own_connection(app)
        errors.remove_session()
        assert db.session.scalar(sa.text("SELECT 1")) == 1  # a new connection
        db.session.remove()
