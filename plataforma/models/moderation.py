"""Moderation (SPEC §15): event bans and the append-only audit log.

Session settings live on ``event_sessions`` (columns of :class:`EventSession`), question
approval and anonymity on ``questions``, poll result visibility on ``polls``.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plataforma.extensions import db
from plataforma.models.base import CreatedAt, JSONType, UUIDPrimaryKey


class QuestionStatus(str, enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"


class ResultsVisibility(str, enum.Enum):
    LIVE = "LIVE"
    AFTER_CLOSE = "AFTER_CLOSE"


class EventBan(UUIDPrimaryKey, CreatedAt, db.Model):
    """One user banned from one event until ``until`` (NULL: until lifted). Banning again replaces it;
    lifting deletes the row. An expired row is simply ignored (checked on use, no job)."""

    __tablename__ = "event_bans"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id", name="uq_event_bans_event_id_user_id"),)

    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("profiles.id", ondelete="SET NULL"))


class AuditEntry(UUIDPrimaryKey, CreatedAt, db.Model):
    """One moderator+ action. Append-only: nothing in the package updates or deletes a row (an event's
    entries go with the event)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_event_id_created_at", "event_id", "created_at"),)

    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    session_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # no FK: the entry outlives a deleted session
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("profiles.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    target_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
