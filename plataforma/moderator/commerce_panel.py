"""What the live console's Products panel and reactions ticker render (SPEC §10, §15 dashboard)."""

from __future__ import annotations

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Product, SessionProduct
from plataforma.models.commerce import REACTION_TYPES
from plataforma.services import reactions, showcase

CATALOGUE_CHOICES = 200  # products offered in the attach form (newest first)
REACTION_LABELS = {"like": ("👍", "Likes"), "heart": ("❤️", "Hearts"), "fire": ("🔥", "Fire"), "clap": ("👏", "Claps")}


def commerce_context(actor, session) -> dict:
    """The session's products (in display order), the catalogue products not attached yet, reaction totals."""
    items = showcase.list_session_products(actor, session.id)
    attached = sa.select(SessionProduct.product_id).where(SessionProduct.session_id == session.id)
    catalogue = db.session.scalars(
        sa.select(Product)
        .where(Product.id.not_in(attached))
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(CATALOGUE_CHOICES)
    ).all()
    return {
        "session_products": items,
        "catalogue": catalogue,
        "reaction_totals": reactions.totals(actor, session.id)["totals"],
        "reaction_types": [(kind, *REACTION_LABELS[kind]) for kind in REACTION_TYPES],
    }
