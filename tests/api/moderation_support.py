"""Helpers shared by the moderation tests (SPEC §15)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from plataforma.extensions import db
from plataforma.models import AuditEntry, EventBan, EventSession, utcnow
from plataforma.services import bans


def patch_settings(client, user, session_id, **changes):
    return client.patch(f"/api/sessions/{session_id}/settings", json=changes, headers=user.headers)


def event_of(app, session_id) -> str:
    with app.app_context():
        return str(db.session.get(EventSession, uuid.UUID(session_id)).event_id)


def ban(client, moderator, event_id, user, **body):
    return client.post(f"/api/events/{event_id}/bans", json={"userId": user.id, **body}, headers=moderator.headers)


def expire_ban(app, event_id, user_id) -> None:
    """Move a ban's end into the past (as if its time had run out)."""
    with app.app_context():
        row = db.session.query(EventBan).filter_by(event_id=uuid.UUID(event_id), user_id=uuid.UUID(user_id)).one()
        row.until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    bans.bump()  # a change made behind the service's back: drop the cached bans


def audit_actions(app, event_id) -> list[str]:
    with app.app_context():
        rows = db.session.query(AuditEntry).filter_by(event_id=uuid.UUID(event_id)).order_by(AuditEntry.created_at)
        return [row.action for row in rows]
