"""Live commerce: products showcased in sessions, and reactions."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plataforma.extensions import db
from plataforma.models.base import CreatedAt, Timestamps, UUIDPrimaryKey
from plataforma.models.search import SearchDocument, searchable, trigram_index


class Product(UUIDPrimaryKey, Timestamps, SearchDocument, db.Model):
    __tablename__ = "products"

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False)
    original_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    category: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    in_stock: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    image_url: Mapped[str | None] = mapped_column(sa.String(1000))
    seller_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id", ondelete="SET NULL"), index=True
    )


trigram_index(Product)
searchable(Product, "name", "description", "category")


class SessionProduct(db.Model):
    __tablename__ = "session_products"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    featured: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    display_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)


class Reaction(UUIDPrimaryKey, CreatedAt, db.Model):
    __tablename__ = "reactions"
    __table_args__ = (sa.Index("ix_reactions_session_id_created_at", "session_id", "created_at"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    type: Mapped[str] = mapped_column(sa.String(32), nullable=False)
