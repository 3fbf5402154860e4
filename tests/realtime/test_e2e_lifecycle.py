"""End to end: what a stopping server process does to the visits it holds (real ``python wsgi.py``)."""

from __future__ import annotations

import signal
import time

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import EventUser, SessionView
from tests.realtime.e2e import WAIT, Server

pytestmark = pytest.mark.e2e


def _open_visits(app) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(SessionView).where(SessionView.left_at.is_(None))
        count = db.session.scalar(query)
        db.session.remove()
        return count


def _wait_for_no_open_visit(app) -> bool:
    deadline = time.monotonic() + WAIT
    while _open_visits(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _open_visits(app) == 0


def test_sigterm_closes_the_visits_of_the_process(database_url, e2e_app, e2e_users, e2e_content, e2e_clients):
    """A visit open when its process stopped stayed open for good: its watch time was lost."""
    server = Server(database_url).start()
    try:
        session_id = e2e_content.session()
        socket = e2e_clients(server.url, e2e_users().token)
        assert socket.call("join_session", {"sessionId": session_id})["ok"]
        time.sleep(1.1)
        assert _open_visits(e2e_app) == 1

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=WAIT) == 0
    finally:
        server.stop()

    assert _open_visits(e2e_app) == 0
    with e2e_app.app_context():
        [row] = db.session.scalars(sa.select(EventUser)).all()
        assert row.left_at is not None and row.watch_time >= 1


def test_a_killed_process_visits_are_closed_when_the_next_one_starts(
    database_url, e2e_app, e2e_users, e2e_content, e2e_clients
):
    """Without Redis one process is the whole deployment: at start-up, every open visit is an orphan."""
    first = Server(database_url).start()
    try:
        session_id = e2e_content.session()
        socket = e2e_clients(first.url, e2e_users().token)
        assert socket.call("join_session", {"sessionId": session_id})["ok"]
        first.process.send_signal(signal.SIGKILL)  # no clean-up at all
        first.process.wait(timeout=WAIT)
    finally:
        first.stop()
    assert _open_visits(e2e_app) == 1

    second = Server(database_url).start()
    try:
        assert _wait_for_no_open_visit(e2e_app)
    finally:
        second.stop()
