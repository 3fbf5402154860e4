"""Session chat: list, post, pin, soft-delete (SPEC §6 Messages)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from plataforma.errors import AppError, Conflict, NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.limits import LIST_MAX
from plataforma.models import EventSession, Message, Profile, utcnow
from plataforma.schemas.interaction import MessageSchema
from plataforma.services import audit, bans, events, flood, moderation, parse_uuid, webhooks
from plataforma.services.visibility import is_admin, is_guest, require_staff, visible_session, visible_session_row
from plataforma.values import as_uuid

message_schema = MessageSchema()

# What posting a message reads of its session (SPEC §15 settings), and its insert.
_CHAT_SETTINGS = (
    EventSession.event_id,
    EventSession.chat_enabled,
    EventSession.slow_mode_seconds,
    EventSession.blocked_terms,
)
_MESSAGE_INSERT = sa.insert(Message.__table__)
_TICK = timedelta(microseconds=1)


def message_payload(message: Message) -> dict:
    """The Message JSON, as REST answers it and ``new_message`` carries it."""
    return message_schema.dump(message)


def list_messages(
    actor: Profile, session_id, *, limit: int = 50, before=None, include_deleted: bool = False
) -> list[Message]:
    """The newest ``limit`` messages (strictly older than ``before``), oldest first.

    Deleted messages are included only for moderators who ask for them. ``before``
    is the id of a message of this session; anything else is a 400.
    """
    session = visible_session(actor, session_id)
    if not 1 <= limit <= LIST_MAX:
        raise ValidationFailed(
            f"limit must be between 1 and {LIST_MAX}.", fields={"limit": [f"Must be 1..{LIST_MAX}."]}
        )
    query = sa.select(Message).where(Message.session_id == session.id)
    if not (include_deleted and actor.is_moderator):
        query = query.where(Message.is_deleted.is_(False))
    if before is not None:
        cursor = _cursor(session.id, before)
        # (created_at, id) strictly below the cursor: stable even when timestamps tie.
        query = query.where(
            sa.or_(
                Message.created_at < cursor.created_at,
                sa.and_(Message.created_at == cursor.created_at, Message.id < cursor.id),
            )
        )
    query = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    newest_first = db.session.scalars(query).unique().all()
    return list(reversed(newest_first))


def _cursor(session_id: uuid.UUID, before) -> Message:
    invalid = ValidationFailed(
        "before must be the id of a message in this session.",
        code="invalid_cursor",
        fields={"before": ["Unknown message."]},
    )
    before_id = as_uuid(before)
    if before_id is None:
        raise invalid
    # A deleted message still marks a position, so a client's cursor survives moderation.
    cursor = db.session.execute(
        sa.select(Message.id, Message.created_at).where(Message.id == before_id, Message.session_id == session_id)
    ).first()
    if cursor is None:
        raise invalid
    return cursor


def post_message(actor: Profile, session_id, text: str) -> Message:
    """Persist a message (text already cleaned by the schema); queues ``new_message``.

    Flood control (``CHAT_RATE_LIMIT`` per user per session) applies to every path in, and so do the
    session's moderation settings (SPEC §15): a ban (403 ``banned``), chat off (403 ``chat_disabled``),
    blocked terms (400 ``blocked_term``) and slow mode (429 ``slow_mode``), in that order.
    """
    session = _checked(actor, visible_session_row(actor, session_id, *_CHAT_SETTINGS), text)
    message = _stored([(actor, session, text)])[0]
    payload = message_payload(message)
    events.new_message(session.id, payload)
    webhooks.enqueue("message.created", payload)
    return message


def post_messages(posts: list[tuple[Profile, str, str]]) -> list[dict | AppError]:
    """Several messages ``(actor, session_id, text)`` in the current transaction, in order, each checked
    as :func:`post_message` checks one: a message refused gets its AppError in its place and changes
    nothing, the others are stored and get their Message JSON (:func:`message_payload`, made once for
    the room, the event log, the webhooks and the ack). The socket path stores the messages that arrive
    together this way: a session's settings and the webhooks are read once, and the messages are
    inserted, numbered and logged in a few statements however many. Any other error raises: the
    transaction is then the caller's to roll back, for every message."""
    sessions: dict = {}
    results: list = []
    for actor, session_id, text in posts:
        try:
            key = (is_admin(actor), is_guest(actor) and actor.event_id, session_id)
            if key not in sessions:
                sessions[key] = _visible_or_none(actor, session_id)
            if sessions[key] is None:
                raise NotFound("Session not found.")
            results.append((actor, _checked(actor, sessions[key], text), text))
        except AppError as exc:  # raised before anything was written for this message
            results.append(exc)
    accepted = [result for result in results if not isinstance(result, AppError)]
    if not accepted:
        return results
    messages = _stored(accepted)
    payloads = [message_payload(message) for message in messages]
    by_session: dict = {}
    for message, payload in zip(messages, payloads, strict=True):
        by_session.setdefault(message.session_id, []).append(payload)
    for session_id in sorted(by_session):  # counters locked in id order, as next_seqs takes them: no deadlock
        events.new_messages(session_id, by_session[session_id])
    hooks = webhooks.subscribed("message.created")
    for payload in payloads:
        webhooks.enqueue("message.created", payload, hooks)
    stored = iter(payloads)
    return [result if isinstance(result, AppError) else next(stored) for result in results]


def _visible_or_none(actor: Profile, session_id):
    try:
        return visible_session_row(actor, session_id, *_CHAT_SETTINGS)
    except NotFound:
        return None


def _checked(actor: Profile, session, text: str):
    """The checks before a message is accepted, in the order :func:`post_message` names them."""
    bans.check_not_banned(actor, session.event_id)
    moderation.check_chat(actor, session)
    moderation.check_blocked_terms(session, text)
    moderation.check_slow_mode(actor, session)
    flood.check_chat_rate(actor.id, session.id)
    return session


def _stored(accepted: list[tuple[Profile, object, str]]) -> list[Message]:
    """Insert the messages ``(actor, session row, text)`` in one statement; the Messages, in order."""
    # A Core insert: the unit of work's bookkeeping for one new row (dependencies, identity map) was
    # over a quarter of a chat message's CPU (profiled). Each Message is then attached to the session
    # as the stored row it is (no INSERT, nothing to flush), so later code in the transaction sees it.
    rows, now = [], utcnow()
    for actor, session, text in accepted:
        rows.append(
            {
                "id": uuid.uuid4(),
                "session_id": session.id,
                "user_id": actor.id,
                "text": text,
                "is_pinned": False,
                "is_deleted": False,
                "created_at": now,
            }
        )
        now += _TICK  # distinct times keep a batch's order in the history (ordered by time, then id)
    db.session.execute(_MESSAGE_INSERT, rows[0] if len(rows) == 1 else rows)
    messages = []
    for (actor, _session, _text), values in zip(accepted, rows, strict=True):
        message = Message(**values)
        set_committed_value(message, "user", actor)
        make_transient_to_detached(message)
        db.session.add(message)
        messages.append(message)
    return messages


def _moderated_message(actor: Profile, message_id) -> tuple[Message, object]:
    require_staff(actor, "Only moderators can moderate chat.")
    message = db.session.get(Message, parse_uuid(message_id, "message"))
    if message is None:
        raise NotFound("Message not found.")
    session = visible_session(actor, message.session_id, missing="Message not found.")  # DRAFT: 404 for non-admins
    return message, session


def toggle_pin(actor: Profile, message_id) -> Message:
    """Pin or unpin (moderator+); queues ``message_pinned``."""
    message, session = _moderated_message(actor, message_id)
    if message.is_deleted:
        raise Conflict("A deleted message cannot be pinned.", code="message_deleted")
    message.is_pinned = not message.is_pinned
    db.session.flush()
    events.message_pinned(message.session_id, message.id, message.is_pinned)
    action = "message.pin" if message.is_pinned else "message.unpin"
    audit.record(actor, session.event_id, session.id, action, "message", message.id, {"userId": str(message.user_id)})
    return message


def delete_message(actor: Profile, message_id) -> None:
    """Soft delete (moderator+); a deleted message is also unpinned. Queues ``message_deleted`` once."""
    message, session = _moderated_message(actor, message_id)
    if message.is_deleted:
        return
    message.is_deleted = True
    message.is_pinned = False
    db.session.flush()
    events.message_deleted(message.session_id, message.id)
    webhooks.enqueue("message.deleted", message_payload(message))
    details = {"userId": str(message.user_id), "text": message.text}
    audit.record(actor, session.event_id, session.id, "message.delete", "message", message.id, details)
