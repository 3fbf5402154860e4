"""/api/sessions/:sessionId/products and /reactions: a session's products, click-throughs, reaction totals (§10)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required, moderator_required
from plataforma.schemas.commerce import (
    AttachProductSchema,
    ReactionTotalsSchema,
    SessionProductListArgs,
    SessionProductSchema,
    SessionProductUpdateSchema,
)
from plataforma.services import commit, reactions, showcase

blp = Blueprint(
    "session_products", __name__, url_prefix="/api/sessions", description="Products and reactions of a session"
)


@blp.route("/<session_id>/products", methods=["GET"])
@login_required(guests=True)
@blp.arguments(SessionProductListArgs, location="query")
@blp.response(200, SessionProductSchema(many=True))
def list_session_products(args, session_id):
    """The session's products by `displayOrder`, then attach time (`featured=true|false` filters)."""
    return showcase.list_session_products(current_user, session_id, args.get("featured"))


@blp.route("/<session_id>/products", methods=["POST"])
@moderator_required
@blp.arguments(AttachProductSchema)
@blp.response(201, SessionProductSchema)
@blp.alt_response(409, description="Already attached (`already_attached`)")
def attach_product(data, session_id):
    """Attach a catalogue product (moderator+); emits `products_updated` (and `product_featured`)."""
    item = showcase.attach_product(
        current_user, session_id, data["product_id"], featured=data["featured"], display_order=data["display_order"]
    )
    commit()
    return item


@blp.route("/<session_id>/products/<product_id>", methods=["PATCH"])
@moderator_required
@blp.arguments(SessionProductUpdateSchema)
@blp.response(200, SessionProductSchema)
def update_session_product(changes, session_id, product_id):
    """Feature / unfeature or reorder (moderator+); emits `products_updated` (and `product_featured`)."""
    item = showcase.update_session_product(current_user, session_id, product_id, changes)
    commit()
    return item


@blp.route("/<session_id>/products/<product_id>", methods=["DELETE"])
@moderator_required
@blp.response(204)
def detach_product(session_id, product_id):
    """Take a product out of the session (moderator+); emits `products_updated`."""
    showcase.detach_product(current_user, session_id, product_id)
    commit()


@blp.route("/<session_id>/products/<product_id>/click", methods=["POST"])
@login_required(guests=True)
@blp.response(204)
def click_product(session_id, product_id):
    """Record a click-through on a product shown in the session (anyone who may see it; no join needed)."""
    showcase.record_click(current_user, session_id, product_id)
    commit()


@blp.route("/<session_id>/reactions", methods=["GET"])
@login_required(guests=True)
@blp.response(200, ReactionTotalsSchema)
def reaction_totals(session_id):
    """The session's durable reaction totals (exact about a second after the last reaction)."""
    return reactions.totals(current_user, session_id)
