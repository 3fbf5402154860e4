"""The audit log (SPEC §15): every moderator+ action appends one entry, in the transaction of the
action (a change that rolls back leaves no entry). Append-only: nothing here updates or deletes.

Call :func:`record` from any service that performs a moderator+ action::

    audit.record(actor, event_id, session_id, "stream.start", "stream", stream.id, {"status": "LIVE"})
"""

from __future__ import annotations

import sqlalchemy as sa

from plataforma.errors import ValidationFailed
from plataforma.extensions import db
from plataforma.models import AuditEntry, Profile
from plataforma.services.visibility import require_staff, visible_event
from plataforma.values import as_uuid


def record(actor: Profile | None, event_id, session_id, action: str, target_type: str, target_id, details=None):
    """Append one entry (flushed with the caller's transaction; never commits). Returns it."""
    entry = AuditEntry(
        event_id=as_uuid(event_id),
        session_id=as_uuid(session_id) if session_id is not None else None,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        details=_jsonable(details or {}),
    )
    db.session.add(entry)
    return entry


def _jsonable(value):
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return getattr(value, "value", None) or str(value)  # enums by value, UUIDs and times as text


def list_entries(actor: Profile, event_id, *, limit: int = 50, before=None) -> list[AuditEntry]:
    """The event's entries, newest first; ``before`` (an entry id) pages back from that entry (moderator+)."""
    require_staff(actor, "Only moderators can read the audit log.")
    event = visible_event(actor, event_id)
    query = sa.select(AuditEntry).where(AuditEntry.event_id == event.id)
    if before is not None:
        cursor = db.session.execute(
            sa.select(AuditEntry.created_at, AuditEntry.id).where(
                AuditEntry.id == before, AuditEntry.event_id == event.id
            )
        ).first()
        if cursor is None:
            raise ValidationFailed(
                "before must be the id of an entry of this event's log.",
                code="invalid_cursor",
                fields={"before": ["Unknown entry."]},
            )
        query = query.where(
            sa.or_(
                AuditEntry.created_at < cursor.created_at,
                sa.and_(AuditEntry.created_at == cursor.created_at, AuditEntry.id < cursor.id),
            )
        )
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(db.session.scalars(query))
