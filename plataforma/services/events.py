"""Every server→client Socket.IO event: one function per event, its name and payload shape here.

Nothing else in the package calls ``socketio.emit``. Most events describe a change
to the database: they are *queued* while a service changes data and emitted only
after the surrounding transaction commits (:func:`plataforma.services.commit`
calls :func:`dispatch_pending`), so a change that fails to persist is never
broadcast; a rollback drops the queue. A payload may be a callable, evaluated
after the commit so that it reads the committed state (e.g. the whole visible
question list). State that does not live in the database (viewer counts, a socket
taken out of a room) is emitted at once.

Room events named in :data:`NUMBERED_EVENTS` (SPEC §16) are numbered: :func:`_queue` gives
them the session's next ``seq`` and stores them in the event log
(:mod:`plataforma.services.event_log`) in the transaction of the change, with their payload
computed then (a callable is evaluated inside the transaction, after the ``seq`` is taken), and
they are emitted with a second argument ``{sessionId, seq}``. A new room event is numbered by
listing its name there; nothing else is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plataforma.extensions import db, socketio
from plataforma.services import event_log

log = logging.getLogger(__name__)

_KEY = "plataforma.pending_emits"

Payload = dict | list | tuple | Callable[[], Any]

# Room events numbered per session and kept for resume (SPEC §16). viewer_count, reactions and the
# moderators-only events are not.
NUMBERED_EVENTS = frozenset(
    {
        "new_message",
        "message_pinned",
        "message_deleted",
        "questions_updated",
        "poll_updated",
        "products_updated",
        "product_featured",
        "stream_status",
        "session_settings",
    }
)


def session_room(session_id) -> str:
    """The Socket.IO room of a session: everyone who joined it hears its events."""
    return f"session:{session_id}"


def moderators_room(session_id) -> str:
    """The moderators' room of a session: its moderator+ sockets join it with the session room and
    hear the events attendees must not (``question_pending``, ``poll_results``)."""
    return f"moderators:{session_id}"


# ---------------------------------------------------------------- room events, after commit


def new_message(session_id, message: dict) -> None:
    """``new_message``: the Message JSON of a chat message just posted."""
    _queue(session_id, "new_message", message)


def new_messages(session_id, messages: list[dict]) -> None:
    """``new_message`` for several messages of one session, in order (a batch of the socket path):
    numbered and stored in one statement on PostgreSQL (two elsewhere) however many."""
    seqs = event_log.record_series(session_id, "new_message", messages)
    pending = db.session.info.setdefault(_KEY, [])
    meta = {"sessionId": str(session_id)}
    for message, seq in zip(messages, seqs, strict=True):
        pending.append(("new_message", (message, {**meta, "seq": seq}), session_room(session_id)))


def message_pinned(session_id, message_id, is_pinned: bool) -> None:
    """``message_pinned``: ``{messageId, isPinned}``."""
    _queue(session_id, "message_pinned", {"messageId": str(message_id), "isPinned": is_pinned})


def message_deleted(session_id, message_id) -> None:
    """``message_deleted``: ``{messageId}``."""
    _queue(session_id, "message_deleted", {"messageId": str(message_id)})


def questions_updated(session_id, questions: Callable[[], list]) -> None:
    """``questions_updated``: the room's whole visible question list, read after the commit."""
    _queue(session_id, "questions_updated", questions)


def poll_updated(session_id, poll: Callable[[], dict]) -> None:
    """``poll_updated``: the Poll JSON (no ``userVoteOptionId``), read after the commit."""
    _queue(session_id, "poll_updated", poll)


def stream_status(session_ids: Iterable, stream_id, event_id, status: str) -> None:
    """``stream_status`` to every session room of the stream's event: ``{streamId, eventId, status}``."""
    payload = {"streamId": str(stream_id), "eventId": str(event_id), "status": status}
    _queue_many(session_ids, "stream_status", payload)


def products_updated(session_id, products: Callable[[], list]) -> None:
    """``products_updated``: ``{sessionId, products}``, the session's SessionProduct list read after the commit."""
    _queue(session_id, "products_updated", lambda: {"sessionId": str(session_id), "products": products()})


def product_featured(session_id, item: Callable[[], dict]) -> None:
    """``product_featured``: ``{sessionId, item}``, the SessionProduct that became featured (read after the commit)."""
    _queue(session_id, "product_featured", lambda: {"sessionId": str(session_id), "item": item()})


def session_settings(session_id, settings: dict) -> None:
    """``session_settings``: ``{sessionId, settings}`` after a moderator changed them (SPEC §15)."""
    _queue(session_id, "session_settings", {"sessionId": str(session_id), "settings": settings})


def question_pending(session_id, question: dict) -> None:
    """``question_pending``: ``{sessionId, question}`` to the moderators' room only (not numbered)."""
    payload = {"sessionId": str(session_id), "question": question}
    _queue(session_id, "question_pending", payload, room=moderators_room(session_id))


def poll_results(session_id, poll: Callable[[], dict]) -> None:
    """``poll_results``: the Poll with its counts, to the moderators' room only (not numbered), after a
    ``poll_updated`` that hid them from the room (``AFTER_CLOSE`` poll still open)."""
    _queue(session_id, "poll_results", poll, room=moderators_room(session_id))


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the current transaction has committed, in order with the queued emits
    (a rollback drops it). For effects that are not events of a room, e.g. evicting a banned user."""
    db.session.info.setdefault(_KEY, []).append((None, action, None))


# ---------------------------------------------------------------- immediate events


def viewer_count(session_id, count: int, *, skip_sid: str | None = None) -> None:
    """``viewer_count``: ``{sessionId, count}``, sent now (the count does not live in the database)."""
    _emit_now("viewer_count", {"sessionId": str(session_id), "count": count}, session_room(session_id), skip_sid)


def reactions(session_id, counts: dict) -> None:
    """``reactions``: ``{sessionId, counts: {like, heart, fire, clap}}``, an aggregated batch (not stored), now."""
    _emit_now("reactions", {"sessionId": str(session_id), "counts": counts}, session_room(session_id))


def session_unavailable(sid: str, session_id) -> None:
    """``session_unavailable`` to one socket taken out of a session it may no longer see: ``{sessionId}``."""
    _emit_now("session_unavailable", {"sessionId": str(session_id)}, sid)


def banned(sid: str, payload: dict) -> None:
    """``banned`` to one socket of a user just banned from an event: ``{eventId, until, reason}``."""
    _emit_now("banned", payload, sid)


# ---------------------------------------------------------------- the queue


def _queue(session_id, event: str, payload: Payload, *, room: str | None = None) -> None:
    """Emit ``event`` to the session's room (or ``room``) once the current transaction has committed
    (numbered events: logged now, see the module docstring)."""
    if event in NUMBERED_EVENTS:
        _queue_many([session_id], event, payload)
        return
    db.session.info.setdefault(_KEY, []).append((event, payload, room or session_room(session_id)))


def _queue_many(session_ids: Iterable, event: str, payload: Payload) -> None:
    """The same event to several session rooms; a numbered one costs two statements however many."""
    session_ids = list(session_ids)
    if event not in NUMBERED_EVENTS:
        for session_id in session_ids:
            _queue(session_id, event, payload)
        return
    seqs, data = event_log.record_many(session_ids, event, payload)
    pending = db.session.info.setdefault(_KEY, [])
    for session_id, seq in seqs.items():
        # A tuple: python-socketio sends it as two arguments (data, meta).
        pending.append((event, (data, {"sessionId": str(session_id), "seq": seq}), session_room(session_id)))


def discard_pending() -> None:
    db.session.info.pop(_KEY, None)


def dispatch_pending() -> None:
    """Emit everything queued; called right after a successful commit."""
    pending = db.session.info.pop(_KEY, [])
    for event, payload, room in pending:
        if event is None:  # after_commit(action)
            try:
                payload()
            except Exception:
                log.exception("An after-commit action failed")
            continue
        data = payload() if callable(payload) else payload
        try:
            socketio.emit(event, data, to=room)
        except Exception:  # a broken queue must not turn a committed change into an error
            log.exception("Could not emit %s to %s", event, room)


@sa.event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def _emit_now(event: str, payload: dict, to: str, skip_sid: str | None = None) -> None:
    try:
        socketio.emit(event, payload, to=to, skip_sid=skip_sid)
    except Exception:
        log.exception("Could not emit %s to %s", event, to)
