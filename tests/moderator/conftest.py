"""Fixtures for the moderator dashboard: a browser-like client that signs in through the
real login form (CSRF token included) and helpers that create chat, questions and polls."""

from __future__ import annotations

import re
import uuid

import pytest

from plataforma.extensions import db, socketio
from plataforma.models import Poll, Profile

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
JSON = {"Accept": "application/json"}


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "the page has no csrf_token field"
    return match.group(1)


class Dashboard:
    """A test client that behaves like a browser on the dashboard."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None
        self.landing = None  # the page the login redirected to

    def login(self, user, *, password: str | None = None, next_url: str | None = None):
        page = self.client.get("/moderator/login" + (f"?next={next_url}" if next_url else ""))
        data = {"csrf_token": csrf_from(page), "email": user.email, "password": password or user.password}
        if next_url:
            data["next"] = next_url
        response = self.client.post("/moderator/login", data=data)
        if response.status_code == 303:
            self.landing = self.client.get(response.headers["Location"])
            self.token = csrf_from(self.landing)
        return response

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, as_json: bool = False, csrf: bool = True):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, headers=JSON if as_json else {})


@pytest.fixture
def dashboard(app):
    """``dashboard(user)`` -> a Dashboard signed in as ``user`` (``None``: not signed in)."""

    def factory(user=None) -> Dashboard:
        board = Dashboard(app.test_client())
        if user is not None:
            response = board.login(user)
            assert response.status_code == 303, response.get_data(as_text=True)
        return board

    return factory


@pytest.fixture
def mod(dashboard, moderator) -> Dashboard:
    return dashboard(moderator)


class Seed:
    """Chat, questions and polls created through the services, as attendees would via the API."""

    def __init__(self, app):
        self.app = app

    def _run(self, fn):
        from plataforma.services import commit

        with self.app.test_request_context():
            result = fn()
            commit()
            return str(result.id)

    @staticmethod
    def _profile(user) -> Profile:
        return db.session.get(Profile, uuid.UUID(user.id))

    def message(self, session_id, user, text="Hello everyone") -> str:
        from plataforma.models import Message

        def add():
            # Straight into the table: seeding a test is not subject to chat flood control.
            message = Message(session_id=uuid.UUID(str(session_id)), user_id=uuid.UUID(user.id), text=text)
            db.session.add(message)
            db.session.flush()
            return message

        return self._run(add)

    def question(self, session_id, user, text="What is next?") -> str:
        from plataforma.services import qa

        return self._run(lambda: qa.ask_question(self._profile(user), session_id, text))

    def upvote(self, question_id, user) -> None:
        from plataforma.services import qa

        self._run(lambda: qa.upvote_question(self._profile(user), question_id))

    def poll(self, session_id, user, question="Best talk?", options=("Alpha", "Beta"), active=False) -> str:
        from plataforma.services import polls

        return self._run(
            lambda: polls.create_poll(self._profile(user), session_id, question, list(options), is_active=active)
        )

    def vote(self, poll_id, user, option_index: int) -> None:
        from plataforma.services import polls

        def vote():
            poll = db.session.get(Poll, uuid.UUID(poll_id))
            return polls.vote_in_poll(self._profile(user), poll_id, poll.options[option_index].id)

        self._run(vote)

    def get(self, model, object_id):
        with self.app.app_context():
            obj = db.session.get(model, uuid.UUID(object_id))
            db.session.expunge_all()
            return obj


@pytest.fixture
def seed(app) -> Seed:
    return Seed(app)


class Emits(list):
    """Socket.IO emits recorded as ``(event, data, room)``."""

    def named(self, event: str) -> list[tuple]:
        return [(data, room) for name, data, room in self if name == event]


@pytest.fixture
def emits(monkeypatch) -> Emits:
    recorded = Emits()

    def emit(event, data=None, *args, to=None, room=None, **kwargs):
        if isinstance(data, tuple):  # a numbered room event: (data, {sessionId, seq}) (SPEC §16)
            data = data[0]
        recorded.append((event, data, to or room))

    monkeypatch.setattr(socketio, "emit", emit)
    return recorded
