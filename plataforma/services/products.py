"""The product catalogue (SPEC §10 Products): any signed-in user reads it, admins change it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from plataforma.errors import Forbidden, ValidationFailed
from plataforma.extensions import db
from plataforma.models import Product, Profile, SessionProduct
from plataforma.services import get_or_404, showcase


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_products(actor: Profile, filters: dict) -> list[Product]:
    """Newest first; ``q`` matches name or description (case-insensitive), prices are inclusive bounds."""
    query = sa.select(Product)
    if filters.get("q"):
        pattern = _like(filters["q"])
        query = query.where(
            sa.or_(
                sa.func.lower(Product.name).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(Product.description, "")).like(pattern, escape="\\"),
            )
        )
    if filters.get("category"):
        query = query.where(sa.func.lower(Product.category) == filters["category"].lower())
    if filters.get("min_price") is not None:
        query = query.where(Product.price >= filters["min_price"])
    if filters.get("max_price") is not None:
        query = query.where(Product.price <= filters["max_price"])
    if filters.get("in_stock") is not None:
        query = query.where(Product.in_stock.is_(filters["in_stock"]))
    query = query.order_by(Product.created_at.desc(), Product.id.desc())
    return list(db.session.scalars(query.limit(filters.get("limit", 50)).offset(filters.get("offset", 0))))


def get_product(actor: Profile, product_id) -> Product:
    return get_or_404(Product, product_id, "product")


def _require_admin(actor: Profile) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can change the product catalogue.")


def _check_seller(seller_id: uuid.UUID | None) -> None:
    if seller_id is not None and db.session.get(Profile, seller_id) is None:
        raise ValidationFailed("The request is invalid.", fields={"sellerId": ["No profile has this id."]})


def _check_prices(product: Product) -> None:
    if product.original_price is not None and product.original_price < product.price:
        raise ValidationFailed(
            "The request is invalid.", fields={"originalPrice": ["Must be greater than or equal to price."]}
        )


def create_product(actor: Profile, data: dict) -> Product:
    _require_admin(actor)
    _check_seller(data.get("seller_id"))
    product = Product(**data)
    _check_prices(product)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(actor: Profile, product_id, changes: dict) -> Product:
    """Change a product; the sessions showing it get ``products_updated``."""
    _require_admin(actor)
    product = get_product(actor, product_id)
    if "seller_id" in changes:
        _check_seller(changes["seller_id"])
    for name, value in changes.items():
        setattr(product, name, value)
    _check_prices(product)
    db.session.flush()
    for session_id in _sessions_showing(product.id):
        showcase.queue_products_updated(session_id)
    return product


def delete_product(actor: Profile, product_id) -> None:
    """Delete a product: it leaves every session that showed it, and those rooms get ``products_updated``."""
    _require_admin(actor)
    product = get_product(actor, product_id)
    sessions = _sessions_showing(product.id)
    db.session.delete(product)  # session_products, clicks and feature spans go with it (ON DELETE CASCADE)
    db.session.flush()
    for session_id in sessions:
        showcase.queue_products_updated(session_id)


def _sessions_showing(product_id) -> list[uuid.UUID]:
    return list(db.session.scalars(sa.select(SessionProduct.session_id).where(SessionProduct.product_id == product_id)))
