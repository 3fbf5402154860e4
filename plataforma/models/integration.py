"""Resume after reconnect and webhooks (SPEC §16): the per-session event log and the outbox."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plataforma.extensions import db
from plataforma.models.base import CreatedAt, JSONType, Timestamps, UUIDPrimaryKey, enum_column, utcnow


class SessionEventCounter(db.Model):
    """The last ``seq`` handed out in a session: one row, locked by every numbered change."""

    __tablename__ = "session_event_counters"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0, server_default="0")


class SessionEvent(db.Model):
    """A numbered room event, exactly as the room was sent it."""

    __tablename__ = "session_events"
    __table_args__ = (sa.Index("ix_session_events_created_at", "created_at"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    data: Mapped[dict | list] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)


class Webhook(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "webhooks"

    url: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    events: Mapped[list] = mapped_column(JSONType, nullable=False)
    description: Mapped[str | None] = mapped_column(sa.String(500))
    # Kept as given (``whsec_`` + base64): signing needs it; the API shows it once, at creation.
    secret: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("profiles.id", ondelete="SET NULL"))


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(UUIDPrimaryKey, CreatedAt, db.Model):
    """The outbox: one row per (event, subscribed webhook), written in the transaction of the change.

    ``id`` is the message id (``webhook-id`` and the body's ``id``), the same on every attempt.
    A worker claims a due row by setting ``claimed_until`` (a lease) and ``claim_token``.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_webhook_id_created_at", "webhook_id", "created_at"),
    )

    webhook_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
    )
    event: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONType, nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), nullable=False, default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    # Attempts left before ``failed``: the backoff schedule, or one after a manual retry.
    attempts_left: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    claim_token: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    webhook: Mapped[Webhook] = relationship(lazy="joined", innerjoin=True)
