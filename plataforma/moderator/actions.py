"""Dashboard actions. Each is a form POST that calls a service, commits (which emits the
Socket.IO event) and redirects back to the session; the page script posts the same
forms with ``Accept: application/json`` and gets the changed resource back instead."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, jsonify, redirect, render_template, url_for

from plataforma.errors import AppError, NotFound
from plataforma.extensions import db
from plataforma.models import Message, Poll, Question
from plataforma.moderator import bp
from plataforma.moderator.forms import load_poll_create, poll_form_values
from plataforma.moderator.helpers import current_moderator, form_flag, json_error, wants_json
from plataforma.moderator.views import session_context, session_polls
from plataforma.services import chat, commit, parse_uuid, polls, qa
from plataforma.services.visibility import visible_session

# An action returns (notice, data): data is evaluated after the commit, for the JSON answer.
Outcome = tuple[str, Callable[[], dict]]


def _run(session_id, action: Callable, anchor: str):
    actor = current_moderator()
    session = visible_session(actor, session_id)  # 404 page when the session is not visible
    back = url_for("moderator.live_session", session_id=session.id, _anchor=anchor)
    try:
        notice, data = action(actor, session)
        commit()
    except AppError as exc:
        db.session.rollback()
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        flash(exc.message, "error")
        return redirect(back, 303)
    if wants_json():
        return jsonify(ok=True, notice=notice, data=data())
    flash(notice, "success")
    return redirect(back, 303)


def _in_session(model, object_id, session, what: str):
    """The object, if it belongs to this session (ids from another session are 404 here)."""
    obj = db.session.get(model, parse_uuid(object_id, what))
    if obj is None or obj.session_id != session.id:
        raise NotFound(f"{what.capitalize()} not found.")
    return obj


@bp.post("/sessions/<session_id>/messages/<message_id>/pin")
def pin_message(session_id, message_id):
    """Pin or unpin a chat message (toggles)."""

    def action(actor, session) -> Outcome:
        _in_session(Message, message_id, session, "message")
        message = chat.toggle_pin(actor, message_id)
        notice = "Message pinned: attendees see it on top." if message.is_pinned else "Message unpinned."
        return notice, lambda: {"message": chat.message_payload(message)}

    return _run(session_id, action, "chat")


@bp.post("/sessions/<session_id>/messages/<message_id>/delete")
def delete_message(session_id, message_id):
    """Delete a chat message for attendees (moderators still see it, marked as deleted)."""

    def action(actor, session) -> Outcome:
        message = _in_session(Message, message_id, session, "message")
        chat.delete_message(actor, message_id)
        return "Message deleted: attendees no longer see it.", lambda: {"message": chat.message_payload(message)}

    return _run(session_id, action, "chat")


@bp.post("/sessions/<session_id>/questions/<question_id>/answer")
def answer_question(session_id, question_id):
    """Mark a question answered (``answered=false`` reopens it)."""

    def action(actor, session) -> Outcome:
        _in_session(Question, question_id, session, "question")
        question = qa.set_answered(actor, question_id, is_answered=form_flag("answered", True))
        notice = "Question marked as answered." if question.is_answered else "Question reopened."
        return notice, lambda: {"question": qa.staff_payload(question)}

    return _run(session_id, action, "questions")


@bp.post("/sessions/<session_id>/questions/<question_id>/hide")
def hide_question(session_id, question_id):
    """Hide a question from attendees (``hidden=false`` shows it again)."""

    def action(actor, session) -> Outcome:
        _in_session(Question, question_id, session, "question")
        question = qa.set_hidden(actor, question_id, is_hidden=form_flag("hidden", True))
        notice = "Question hidden from attendees." if question.is_hidden else "Question visible to attendees again."
        return notice, lambda: {"question": qa.staff_payload(question)}

    return _run(session_id, action, "questions")


@bp.post("/sessions/<session_id>/polls")
def create_poll(session_id):
    """Create a poll (question + options within ``plataforma.limits``), optionally active at once."""
    actor = current_moderator()
    session = visible_session(actor, session_id)
    try:
        data = load_poll_create(session.id)
    except AppError as exc:
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        # Without JS: show the console again with the form filled in and the problems next to it.
        flash(exc.message, "error")
        context = session_context(actor, session, poll_form=poll_form_values(), poll_errors=exc.fields)
        return render_template("moderator/session.html", **context), exc.status

    def action(actor, session) -> Outcome:
        poll = polls.create_poll(
            actor, session.id, data["question"], data["options"], is_active=data.get("is_active", False)
        )
        notice = "Poll created and live: attendees can vote now." if poll.is_active else "Poll created (not active)."
        return notice, lambda: {"polls": session_polls(actor, session)}

    return _run(session_id, action, "polls")


@bp.post("/sessions/<session_id>/polls/<poll_id>/activate")
def activate_poll(session_id, poll_id):
    """Open (``active=true``) or close (``active=false``) a poll; opening one closes the others."""

    def action(actor, session) -> Outcome:
        _in_session(Poll, poll_id, session, "poll")
        poll = polls.set_poll_active(actor, poll_id, form_flag("active", None))
        notice = "Poll is live: attendees can vote now." if poll.is_active else "Poll closed."
        return notice, lambda: {"polls": session_polls(actor, session)}

    return _run(session_id, action, "polls")
