"""Live commerce: products showcased in sessions, click-throughs, feature spans and reactions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plataforma.extensions import db
from plataforma.models.base import CreatedAt, Timestamps, UUIDPrimaryKey, utcnow
from plataforma.models.search import SearchDocument, searchable, trigram_index

REACTION_TYPES = ("like", "heart", "fire", "clap")


class Product(UUIDPrimaryKey, Timestamps, SearchDocument, db.Model):
    __tablename__ = "products"

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False)
    original_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="USD", server_default="USD")
    category: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    in_stock: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    image_url: Mapped[str | None] = mapped_column(sa.String(1000))
    seller_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id", ondelete="SET NULL"), index=True
    )


trigram_index(Product)
searchable(Product, "name", "description", "category")


class SessionProduct(db.Model):
    """A product attached to a session; the primary key makes a second attach a conflict."""

    __tablename__ = "session_products"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    featured: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    display_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    # When it last became featured (null while not featured), and when it was attached.
    featured_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    added_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.current_timestamp(), nullable=False
    )

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)


class ProductClick(UUIDPrimaryKey, CreatedAt, db.Model):
    """A click-through on a product shown in a session (SPEC §10, for §13 analytics)."""

    __tablename__ = "product_clicks"
    __table_args__ = (sa.Index("ix_product_clicks_session_id_product_id", "session_id", "product_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id", ondelete="SET NULL"), index=True
    )
    guest_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class ProductFeatureSpan(UUIDPrimaryKey, db.Model):
    """One stretch of time a product was featured in a session; ``ended_at`` is null while it still is."""

    __tablename__ = "product_feature_spans"
    __table_args__ = (sa.Index("ix_product_feature_spans_session_id_product_id", "session_id", "product_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.id", ondelete="CASCADE"), nullable=False
    )
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ReactionTotal(db.Model):
    """Durable reaction counts per session and type, incremented by the aggregator's flush (an UPSERT)."""

    __tablename__ = "reaction_totals"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)


class Reaction(UUIDPrimaryKey, CreatedAt, db.Model):
    """Part-one table, kept for compatibility; reactions are aggregated into ``reaction_totals`` instead."""

    __tablename__ = "reactions"
    __table_args__ = (sa.Index("ix_reactions_session_id_created_at", "session_id", "created_at"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    type: Mapped[str] = mapped_column(sa.String(32), nullable=False)
