"""Products in a session (SPEC §10): attach, feature, reorder, detach; click-throughs.

Every change queues ``products_updated`` with the session's whole list (read after the
commit, so every client converges on the committed state); a product becoming featured
also queues ``product_featured`` and the ``product.featured`` webhook (SPEC §16). The time
each product spends featured is kept as spans (``product_feature_spans``) for analytics (§13).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Conflict, Forbidden, NotFound
from plataforma.extensions import db
from plataforma.models import (
    EventSession,
    Product,
    ProductClick,
    ProductFeatureSpan,
    Profile,
    SessionProduct,
    utcnow,
)
from plataforma.schemas.commerce import SessionProductSchema
from plataforma.services import audit, events, parse_uuid, webhooks
from plataforma.services.visibility import visible_session

item_schema = SessionProductSchema()
items_schema = SessionProductSchema(many=True)


def _ordered(session_id: uuid.UUID, featured: bool | None = None) -> list[SessionProduct]:
    query = sa.select(SessionProduct).where(SessionProduct.session_id == session_id)
    if featured is not None:
        query = query.where(SessionProduct.featured.is_(featured))
    query = query.order_by(SessionProduct.display_order, SessionProduct.added_at, SessionProduct.product_id)
    return list(db.session.scalars(query))  # the product comes in the same query (joined)


def session_products_payload(session_id) -> list[dict]:
    return items_schema.dump(_ordered(parse_uuid(session_id, "session")))


def queue_products_updated(session_id) -> None:
    events.products_updated(session_id, lambda: session_products_payload(session_id))


def list_session_products(actor: Profile, session_id, featured: bool | None = None) -> list[SessionProduct]:
    """By ``displayOrder``, then attach time; ``featured`` filters when given."""
    session = visible_session(actor, session_id)
    return _ordered(session.id, featured)


def _moderated_session(actor: Profile, session_id) -> EventSession:
    if not actor.is_moderator:
        raise Forbidden("Only moderators can change the products of a session.")
    return visible_session(actor, session_id)


def _audit(actor: Profile, session: EventSession, action: str, product_id: uuid.UUID, details: dict) -> None:
    """The one place moderation's audit log (#15) records product.attach / product.feature / product.detach."""
    audit.record(actor, session.event_id, session.id, action, "product", product_id, details)


def _attached(session: EventSession, product_id) -> SessionProduct:
    item = db.session.get(SessionProduct, (session.id, parse_uuid(product_id, "product")))
    if item is None:
        raise NotFound("Product not found in this session.")
    return item


def _set_featured(item: SessionProduct, featured: bool) -> bool:
    """Feature / unfeature, opening or closing a feature span; True when it became featured."""
    if item.featured == featured:
        return False
    now = utcnow()
    item.featured = featured
    if featured:
        item.featured_at = now
        db.session.add(ProductFeatureSpan(session_id=item.session_id, product_id=item.product_id, started_at=now))
    else:
        item.featured_at = None
        _close_spans(item.session_id, item.product_id, now)
    return featured


def _close_spans(session_id, product_id, now) -> None:
    db.session.execute(
        sa.update(ProductFeatureSpan)
        .where(
            ProductFeatureSpan.session_id == session_id,
            ProductFeatureSpan.product_id == product_id,
            ProductFeatureSpan.ended_at.is_(None),
        )
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )


def _queue_changes(item: SessionProduct, became_featured: bool) -> None:
    session_id, product_id = item.session_id, item.product_id
    queue_products_updated(session_id)
    if became_featured:

        def featured_item() -> dict:
            return item_schema.dump(db.session.get(SessionProduct, (session_id, product_id)))

        events.product_featured(session_id, featured_item)
        # SPEC §16: the outbox row commits with the change; the SessionProduct as a moderator sees it.
        webhooks.enqueue("product.featured", item_schema.dump(item))


def attach_product(
    actor: Profile, session_id, product_id, *, featured: bool = False, display_order: int = 0
) -> SessionProduct:
    """Attach a catalogue product (moderator+); 404 for an unknown product, 409 ``already_attached`` again.

    The (session, product) primary key decides a race between two moderators: one insert wins.
    """
    session = _moderated_session(actor, session_id)
    product = db.session.get(Product, parse_uuid(product_id, "product"))
    if product is None:
        raise NotFound("Product not found.")
    item = SessionProduct(session_id=session.id, product_id=product.id, featured=False, display_order=display_order)
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        raise Conflict("The product is already attached to this session.", code="already_attached") from None
    became_featured = _set_featured(item, featured)
    db.session.flush()
    _audit(actor, session, "product.attach", product.id, {"featured": featured, "displayOrder": display_order})
    _queue_changes(item, became_featured)
    return item


def update_session_product(actor: Profile, session_id, product_id, changes: dict) -> SessionProduct:
    """Feature / unfeature and reorder (moderator+); nothing is broadcast when nothing changed."""
    session = _moderated_session(actor, session_id)
    item = _attached(session, product_id)
    became_featured = False
    changed = False
    if "featured" in changes and changes["featured"] != item.featured:
        became_featured = _set_featured(item, changes["featured"])
        changed = True
        _audit(actor, session, "product.feature", item.product_id, {"featured": item.featured})
    if "display_order" in changes and changes["display_order"] != item.display_order:
        item.display_order = changes["display_order"]
        changed = True
    if changed:
        db.session.flush()
        _queue_changes(item, became_featured)
    return item


def detach_product(actor: Profile, session_id, product_id) -> None:
    """Take a product out of a session (moderator+); its open feature span closes."""
    session = _moderated_session(actor, session_id)
    item = _attached(session, product_id)
    _close_spans(session.id, item.product_id, utcnow())
    db.session.delete(item)
    db.session.flush()
    _audit(actor, session, "product.detach", item.product_id, {})
    queue_products_updated(session.id)


def record_click(actor: Profile, session_id, product_id) -> ProductClick:
    """A click-through on a product shown in a session: who, what and when (for analytics)."""
    session = visible_session(actor, session_id)
    item = _attached(session, product_id)
    # A guest's click counts under its guest id (SPEC §12: no profile row to point at).
    user_id, guest_id = (None, actor.id) if actor.is_guest else (actor.id, None)
    click = ProductClick(session_id=session.id, product_id=item.product_id, user_id=user_id, guest_id=guest_id)
    db.session.add(click)
    db.session.flush()
    return click
