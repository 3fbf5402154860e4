"""Helpers shared by the interaction tests (chat, Q&A, polls, surveys).

Plain functions rather than fixtures, so this area needs no conftest of its own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from plataforma.extensions import db, socketio
from plataforma.models import (
    Message,
    Poll,
    PollOption,
    PollVote,
    Question,
    QuestionUpvote,
    Survey,
    SurveyField,
    SurveyFieldType,
)

ROLES = ["anonymous", "attendee", "moderator", "admin"]
MISSING_ID = "00000000-0000-4000-8000-000000000000"


class Emits(list):
    """Socket.IO emits recorded as ``(event, data, room)`` tuples; ``meta``: (event, {sessionId, seq})
    of the numbered ones."""

    def __init__(self):
        super().__init__()
        self.meta: list[tuple[str, dict]] = []

    def events(self) -> list[str]:
        return [event for event, _data, _room in self]

    def only(self, event: str):
        found = [(data, room) for name, data, room in self if name == event]
        assert len(found) == 1, f"expected one {event!r}, got {self.events()}"
        return found[0]


def record_emits(monkeypatch) -> Emits:
    emits = Emits()

    def emit(event, data=None, *args, to=None, room=None, **kwargs):
        if isinstance(data, tuple):  # a numbered room event: (data, {sessionId, seq}) (SPEC §16)
            data, meta = data
            emits.meta.append((event, meta))
        emits.append((event, data, to or room))

    monkeypatch.setattr(socketio, "emit", emit)
    return emits


def room(session_id) -> str:
    return f"session:{session_id}"


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def _base_time() -> datetime:
    return datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def seed_messages(app, session_id, user_id, count: int, *, start: int = 0, **columns) -> list[str]:
    """``count`` messages one second apart, text "message <n>" (n from ``start``)."""
    created_at = columns.pop("created_at", None)
    with app.app_context():
        messages = [
            Message(
                session_id=uuid.UUID(str(session_id)),
                user_id=uuid.UUID(str(user_id)),
                text=f"message {n}",
                created_at=created_at or _base_time() + timedelta(seconds=n),
                **columns,
            )
            for n in range(start, start + count)
        ]
        db.session.add_all(messages)
        db.session.commit()
        return [str(m.id) for m in messages]


def seed_question(app, session_id, user_id, text="question", *, upvotes=0, age_seconds=0, **columns) -> str:
    with app.app_context():
        question = Question(
            session_id=uuid.UUID(str(session_id)),
            user_id=uuid.UUID(str(user_id)),
            text=text,
            upvotes=upvotes,
            created_at=_base_time() - timedelta(seconds=age_seconds),
            **columns,
        )
        db.session.add(question)
        db.session.commit()
        return str(question.id)


def seed_upvote(app, question_id, user_id) -> None:
    with app.app_context():
        db.session.add(QuestionUpvote(question_id=uuid.UUID(str(question_id)), user_id=uuid.UUID(str(user_id))))
        db.session.commit()


def seed_poll(app, session_id, options=("Yes", "No"), *, active=False, question="Which one?", age_seconds=0) -> dict:
    """A poll; returns ``{"id": ..., "options": [ids in order]}``."""
    with app.app_context():
        poll = Poll(
            session_id=uuid.UUID(str(session_id)),
            question=question,
            is_active=active,
            created_at=_base_time() - timedelta(seconds=age_seconds),
        )
        poll.options = [PollOption(text=text, position=n) for n, text in enumerate(options)]
        db.session.add(poll)
        db.session.commit()
        return {"id": str(poll.id), "options": [str(o.id) for o in poll.options]}


def seed_vote(app, poll: dict, option_index: int, user_id) -> None:
    with app.app_context():
        db.session.add(
            PollVote(
                poll_id=uuid.UUID(poll["id"]),
                option_id=uuid.UUID(poll["options"][option_index]),
                user_id=uuid.UUID(str(user_id)),
            )
        )
        db.session.commit()


def seed_survey(app, session_id, *, active=True, title="Feedback") -> dict:
    """A survey with a required RATING, an optional CHOICE (Talk/Demo) and an optional TEXT field."""
    with app.app_context():
        survey = Survey(session_id=uuid.UUID(str(session_id)), title=title, is_active=active)
        survey.fields = [
            SurveyField(question="Rate it", type=SurveyFieldType.RATING, required=True, position=0),
            SurveyField(question="Best part", type=SurveyFieldType.CHOICE, options=["Talk", "Demo"], position=1),
            SurveyField(question="Comments", type=SurveyFieldType.TEXT, position=2),
        ]
        db.session.add(survey)
        db.session.commit()
        return {
            "id": str(survey.id),
            "rating": str(survey.fields[0].id),
            "choice": str(survey.fields[1].id),
            "text": str(survey.fields[2].id),
        }
