"""Dashboard pages: events (live first) -> sessions of an event -> the live session console."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import jsonify, render_template, request
from sqlalchemy.orm import joinedload

from plataforma.extensions import db
from plataforma.models import Event, EventSession, EventStatus
from plataforma.moderator import bp
from plataforma.moderator.commerce_panel import commerce_context
from plataforma.moderator.helpers import current_moderator
from plataforma.moderator.moderation_panel import moderation_context
from plataforma.moderator.panels import CONSOLE_PANELS
from plataforma.moderator.stream_panel import stream_context
from plataforma.schemas.interaction import PollSchema
from plataforma.services import chat, polls, qa, tokens
from plataforma.services.visibility import published_events, visible_event, visible_session

EVENTS_PER_PAGE = 50
MAX_PAGE = 100_000  # 5 million events deep; beyond it every page is empty anyway
CHAT_HISTORY = 100
# The page script fetches a fresh token whenever Socket.IO (re)connects, so it can be short-lived.
SOCKET_TOKEN_LIFETIME = timedelta(minutes=15)
polls_schema = PollSchema(many=True)


# Empty items rendered into <template> elements; the page script fills them for live updates.
_AUTHOR = {"name": "", "role": "ATTENDEE"}
PLACEHOLDERS = {
    "message": {
        "id": "__ID__",
        "user": _AUTHOR,
        "text": "",
        "is_pinned": False,
        "is_deleted": False,
        "created_at": None,
    },
    "question": {
        "id": "__ID__",
        "user": _AUTHOR,
        "text": "",
        "upvotes": 0,
        "is_answered": False,
        "is_hidden": False,
        "created_at": None,
    },
    "poll": {"id": "__ID__", "question": "", "isActive": False, "options": [], "totalVotes": 0, "createdAt": ""},
    "option": {"id": "", "text": "", "votes": 0},
}


@bp.get("/")
@bp.get("")
def index():
    """Events, live ones first, then the most recent."""
    actor = current_moderator()
    # Clamped: a huge page number would overflow the database's integer OFFSET (a 500).
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    counts = (
        sa.select(EventSession.event_id, sa.func.count().label("sessions")).group_by(EventSession.event_id).subquery()
    )
    live_first = sa.case((Event.status == EventStatus.LIVE, 0), (Event.status == EventStatus.SCHEDULED, 1), else_=2)
    query = (
        sa.select(Event, sa.func.coalesce(counts.c.sessions, 0))
        .outerjoin(counts, counts.c.event_id == Event.id)
        .options(joinedload(Event.project))
        .order_by(live_first, Event.start_time.desc().nulls_last(), Event.created_at.desc(), Event.id)
        .limit(EVENTS_PER_PAGE + 1)
        .offset((page - 1) * EVENTS_PER_PAGE)
    )
    rows = db.session.execute(published_events(query, actor)).all()
    has_next = len(rows) > EVENTS_PER_PAGE
    return render_template(
        "moderator/events.html", rows=rows[:EVENTS_PER_PAGE], page=page, has_next=has_next, EventStatus=EventStatus
    )


@bp.get("/events/<event_id>")
def event(event_id):
    """The sessions of one event, in running order."""
    actor = current_moderator()
    event = visible_event(actor, event_id)
    sessions = db.session.scalars(
        sa.select(EventSession)
        .where(EventSession.event_id == event.id)
        .order_by(EventSession.start_time.asc().nulls_last(), EventSession.created_at, EventSession.id)
    ).all()
    return render_template("moderator/event.html", event=event, sessions=sessions, EventStatus=EventStatus)


@bp.get("/sessions/<session_id>")
def live_session(session_id):
    """The live console: chat, questions and polls of one session."""
    actor = current_moderator()
    session = visible_session(actor, session_id)
    return render_template("moderator/session.html", **session_context(actor, session))


def session_context(
    actor, session, *, poll_form: dict | None = None, poll_errors: dict | None = None, default_panel: str | None = None
) -> dict:
    """Everything the live console renders (also used to re-render it with form errors).

    ``default_panel`` is the tab a phone shows first without a ``#panel`` in the address (a form
    re-rendered with its errors shows its own panel); the first of CONSOLE_PANELS otherwise.
    """
    messages = chat.list_messages(actor, session.id, limit=CHAT_HISTORY, include_deleted=True)
    # Pinned (and not deleted) on top, then newest first.
    messages = sorted(reversed(messages), key=lambda m: not (m.is_pinned and not m.is_deleted))
    # Pending questions wait in their own queue (the Pending panel), not among the questions.
    questions = [q for q in qa.list_questions(actor, session.id, include_hidden=True) if q.status.value == "APPROVED"]
    poll_payloads = session_polls(actor, session)
    return {
        "session": session,
        "event": session.event,
        "messages": messages,
        "chat_limit": CHAT_HISTORY,
        "questions": questions,
        "polls": poll_payloads,
        "poll_form": poll_form or {},
        "poll_errors": poll_errors or {},
        "socket_token": socket_token(actor),
        "placeholders": PLACEHOLDERS,
        "console_panels": CONSOLE_PANELS,
        "default_panel": default_panel or ("polls" if poll_errors else CONSOLE_PANELS[0].id),
        **commerce_context(actor, session),
        **stream_context(actor, session),
        **moderation_context(actor, session),
    }


def session_polls(actor, session) -> list[dict]:
    """The session's polls as Poll JSON (vote counts in one query): the live one first, then newest."""
    views = polls_schema.dump(polls.poll_views(polls.list_polls(actor, session.id), staff=True))
    return sorted(views, key=lambda poll: not poll["isActive"])  # stable: list_polls is newest first


def socket_token(actor) -> str:
    return tokens.issue_access_token(actor, SOCKET_TOKEN_LIFETIME)


@bp.get("/socket-token")
def fresh_socket_token():
    """A short-lived access token for the page's Socket.IO connection (fetched on every reconnect)."""
    return jsonify(token=socket_token(current_moderator()))
