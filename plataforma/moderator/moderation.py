"""Dashboard moderation (SPEC §15): session settings, the pending-questions queue, bans (from a chat
message or a question: 10 min, 1 h or the whole event) with "lift", and the event's audit log.

Every action is a form POST (CSRF-checked by the blueprint) that calls the same service as the JSON
API, commits and redirects back; ``static/moderator-moderation.js`` posts the same forms with
``Accept: application/json`` (``data-async="moderation"``) and reloads the panels' fragments.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request
from marshmallow import ValidationError

from plataforma.errors import ValidationFailed
from plataforma.extensions import db
from plataforma.models import Message, Profile, Question
from plataforma.moderator import bp
from plataforma.moderator.actions import Outcome, _in_session, _run
from plataforma.moderator.helpers import current_moderator
from plataforma.moderator.moderation_panel import BAN_DURATIONS, moderation_context
from plataforma.schemas.moderation import SessionSettingsUpdateSchema
from plataforma.services import audit, bans, moderation, qa
from plataforma.services.visibility import visible_event, visible_session
from plataforma.values import as_flag

ANCHOR = "moderation"
AUDIT_PAGE = 50
settings_schema = SessionSettingsUpdateSchema()


def _refresh(actor, session):
    return lambda: {"sessionId": str(session.id)}


@bp.get("/sessions/<session_id>/moderation-panel")
def moderation_panel(session_id):
    """A panel's body as an HTML fragment (``?part=pending`` or ``settings``), reloaded by the page script."""
    actor = current_moderator()
    session = visible_session(actor, session_id)
    template = {"pending": "moderator/_pending_list.html", "settings": "moderator/_moderation_body.html"}.get(
        request.args.get("part", "settings")
    )
    if template is None:
        abort(404)
    return render_template(template, session=session, event=session.event, **moderation_context(actor, session))


def _settings_from_form() -> dict:
    """The settings form: checkboxes (absent = off), slow mode in seconds, one blocked term per line."""
    raw_slow = (request.form.get("slow_mode_seconds") or "0").strip()
    try:
        slow = int(raw_slow)
    except ValueError:
        raise ValidationFailed(
            "Slow mode must be a whole number of seconds.", fields={"slowModeSeconds": ["Must be a whole number."]}
        ) from None
    payload = {
        "chatEnabled": as_flag(request.form.get("chat_enabled")) is True,
        "questionsEnabled": as_flag(request.form.get("questions_enabled")) is True,
        "questionModeration": as_flag(request.form.get("question_moderation")) is True,
        "anonymousQuestions": as_flag(request.form.get("anonymous_questions")) is True,
        "slowModeSeconds": slow,
        "blockedTerms": [line for line in (request.form.get("blocked_terms") or "").splitlines() if line.strip()],
    }
    try:
        return settings_schema.load(payload)
    except ValidationError as exc:
        fields = {key: [str(m) for m in (v if isinstance(v, list) else [v])] for key, v in exc.messages.items()}
        message = "The settings are not valid: " + "; ".join(sum(fields.values(), []))
        raise ValidationFailed(message, fields=fields) from None


@bp.post("/sessions/<session_id>/settings")
def update_settings(session_id):
    """Save the session's moderation settings."""

    def action(actor, session) -> Outcome:
        moderation.update_settings(actor, session.id, _settings_from_form())
        return "Session settings saved.", _refresh(actor, session)

    return _run(session_id, action, ANCHOR)


@bp.post("/sessions/<session_id>/questions/<question_id>/approve")
def approve_question(session_id, question_id):
    """Approve a pending question: attendees see it from now on."""

    def action(actor, session) -> Outcome:
        _in_session(Question, question_id, session, "question")
        question = qa.approve_question(actor, question_id)
        return "Question approved: attendees can see it now.", lambda: {"question": qa.staff_payload(question)}

    return _run(session_id, action, "pending")


def _duration() -> int | None:
    choice = request.form.get("duration") or "event"
    if choice not in BAN_DURATIONS:
        raise ValidationFailed("Choose 10 min, 1 h or the whole event.", fields={"duration": ["Unknown duration."]})
    return BAN_DURATIONS[choice]


def _ban(actor, session, user_id, source: str) -> Outcome:
    seconds = _duration()
    ban = bans.ban_user(actor, session.event_id, user_id, seconds, request.form.get("reason") or None)
    span = {600: "for 10 minutes", 3600: "for 1 hour", None: "from the whole event"}[seconds]
    return f"User banned {span} ({source}).", lambda: {"ban": bans.ban_payload(ban)}


@bp.post("/sessions/<session_id>/messages/<message_id>/ban")
def ban_message_author(session_id, message_id):
    """Ban the author of a chat message (``duration``: 600, 3600 or event)."""

    def action(actor, session) -> Outcome:
        message = _in_session(Message, message_id, session, "message")
        return _ban(actor, session, message.user_id, "from a chat message")

    return _run(session_id, action, "chat")


@bp.post("/sessions/<session_id>/questions/<question_id>/ban")
def ban_question_author(session_id, question_id):
    """Ban the author of a question (``duration``: 600, 3600 or event)."""

    def action(actor, session) -> Outcome:
        question = _in_session(Question, question_id, session, "question")
        return _ban(actor, session, question.user_id, "from a question")

    return _run(session_id, action, "questions")


@bp.post("/sessions/<session_id>/bans/<user_id>/lift")
def lift_ban(session_id, user_id):
    """Lift a ban of the session's event."""

    def action(actor, session) -> Outcome:
        bans.lift_ban(actor, session.event_id, user_id)
        return "Ban lifted.", _refresh(actor, session)

    return _run(session_id, action, ANCHOR)


@bp.get("/events/<event_id>/audit")
def audit_log(event_id):
    """The event's audit log, newest first, a page at a time (``?before=<entry id>``)."""
    actor = current_moderator()
    event = visible_event(actor, event_id)
    before = request.args.get("before") or None
    entries = audit.list_entries(actor, event.id, limit=AUDIT_PAGE + 1, before=before)
    actors = {}
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    if ids:
        actors = dict(db.session.execute(sa.select(Profile.id, Profile.name).where(Profile.id.in_(ids))).all())
    return render_template(
        "moderator/audit.html",
        event=event,
        entries=entries[:AUDIT_PAGE],
        actors=actors,
        older=entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None,
    )
