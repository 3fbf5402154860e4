"""Helpers for the content API tests (projects, events, sessions, streams, rooms)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from plataforma.extensions import db, socketio
from plataforma.models import Event, EventSession, Project, Room, Stream

ROLES = ("anonymous", "attendee", "moderator", "admin")
# Reads need a token; writes need an admin.
READ = {"anonymous": 401, "attendee": 200, "moderator": 200, "admin": 200}


def admin_only(success: int) -> dict:
    return {"anonymous": 401, "attendee": 403, "moderator": 403, "admin": success}


T0 = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def error_fields(response) -> dict:
    return response.get_json()["error"].get("fields", {})


class Rows:
    """Creates rows straight in the database; returns their ids as strings."""

    def __init__(self, app):
        self.app = app

    def add(self, model, **values) -> str:
        with self.app.app_context():
            obj = model(**values)
            db.session.add(obj)
            db.session.commit()
            return str(obj.id)

    def add_many(self, model, rows: list[dict]) -> None:
        with self.app.app_context():
            db.session.add_all([model(**row) for row in rows])
            db.session.commit()

    def project(self, status: str = "LIVE", **values) -> str:
        return self.add(Project, name=values.pop("name", "Project"), status=status, **values)

    def event(self, project_id: str | None = None, *, project_status: str = "LIVE", **values) -> str:
        project_id = project_id or self.project(project_status)
        values.setdefault("title", "Event")
        values.setdefault("slug", f"event-{uuid.uuid4().hex[:8]}")
        return self.add(Event, project_id=uuid.UUID(project_id), **values)

    def session(self, event_id: str, **values) -> str:
        values.setdefault("title", "Session")
        return self.add(EventSession, event_id=uuid.UUID(event_id), **values)

    def stream(self, event_id: str, **values) -> str:
        values.setdefault("source_type", "HLS")
        return self.add(Stream, event_id=uuid.UUID(event_id), **values)

    def room(self, event_id: str, **values) -> str:
        values.setdefault("name", "Room")
        return self.add(Room, event_id=uuid.UUID(event_id), **values)

    def exists(self, model, ident: str) -> bool:
        with self.app.app_context():
            return db.session.get(model, uuid.UUID(ident)) is not None


class EmitRecorder:
    def __init__(self):
        self.calls: list[tuple[str, object, str | None]] = []

    def __call__(self, event, data=None, *args, to=None, **kwargs):
        if isinstance(data, tuple):  # a numbered room event: (data, {sessionId, seq}) (SPEC §16)
            data = data[0]
        self.calls.append((event, data, to))

    def named(self, event: str) -> list[tuple[object, str | None]]:
        return [(data, to) for name, data, to in self.calls if name == event]


def record_emits(monkeypatch) -> EmitRecorder:
    """Record every ``socketio.emit`` call (event, payload, ``to=`` room) instead of sending it."""
    recorder = EmitRecorder()
    monkeypatch.setattr(socketio, "emit", recorder)
    return recorder


def request_as(client, users, role: str, method: str, url: str, body=None):
    return client.open(url, method=method, json=body, headers=users[role])
