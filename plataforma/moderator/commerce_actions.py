"""Dashboard actions of the Products panel: attach, feature / unfeature, reorder, detach.

Each is a form POST (CSRF-checked by the blueprint) that calls the same service as the JSON API,
commits (which emits ``products_updated`` / ``product_featured``) and redirects back to the
panel; the page script posts the same forms with ``Accept: application/json`` and then reloads
the panel fragment (``GET .../products-panel``).
"""

from __future__ import annotations

from flask import render_template, request

from plataforma.errors import ValidationFailed
from plataforma.moderator import bp
from plataforma.moderator.actions import Outcome, _run
from plataforma.moderator.commerce_panel import commerce_context
from plataforma.moderator.helpers import current_moderator, form_flag
from plataforma.schemas.commerce import DISPLAY_ORDER_MAX, DISPLAY_ORDER_MIN
from plataforma.services import showcase
from plataforma.services.visibility import visible_session

ANCHOR = "products"


def _display_order(default: int | None) -> int | None:
    raw = (request.form.get("display_order") or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not DISPLAY_ORDER_MIN <= value <= DISPLAY_ORDER_MAX:
        raise ValidationFailed(
            "The display order must be a whole number.", fields={"displayOrder": ["Must be a whole number."]}
        )
    return value


def _listed(actor, session):
    return lambda: {"products": showcase.session_products_payload(session.id)}


@bp.get("/sessions/<session_id>/products-panel")
def products_panel(session_id):
    """The Products panel's list, as an HTML fragment (the page script reloads it on changes)."""
    actor = current_moderator()
    session = visible_session(actor, session_id)
    return render_template("moderator/_commerce_list.html", session=session, **commerce_context(actor, session))


@bp.post("/sessions/<session_id>/products")
def attach_product(session_id):
    """Attach a catalogue product, optionally featured at once."""

    def action(actor, session) -> Outcome:
        product_id = request.form.get("product_id") or ""
        if not product_id:
            raise ValidationFailed("Choose a product to attach.", fields={"productId": ["Choose a product."]})
        item = showcase.attach_product(
            actor,
            session.id,
            product_id,
            featured=bool(form_flag("featured", False)),
            display_order=_display_order(0),
        )
        notice = f"{item.product.name} attached" + (" and featured." if item.featured else ".")
        return notice, _listed(actor, session)

    return _run(session_id, action, ANCHOR)


@bp.post("/sessions/<session_id>/products/<product_id>/feature")
def feature_product(session_id, product_id):
    """Feature (``featured=true``) or unfeature (``featured=false``) a product of the session."""

    def action(actor, session) -> Outcome:
        featured = bool(form_flag("featured", True))
        item = showcase.update_session_product(actor, session.id, product_id, {"featured": featured})
        notice = f"{item.product.name} " + ("is featured on screen." if item.featured else "is no longer featured.")
        return notice, _listed(actor, session)

    return _run(session_id, action, ANCHOR)


@bp.post("/sessions/<session_id>/products/<product_id>/order")
def reorder_product(session_id, product_id):
    """Set a product's display order (smaller first)."""

    def action(actor, session) -> Outcome:
        order = _display_order(None)
        if order is None:
            raise ValidationFailed("Give a display order.", fields={"displayOrder": ["Required."]})
        item = showcase.update_session_product(actor, session.id, product_id, {"display_order": order})
        return f"{item.product.name} moved to position {order}.", _listed(actor, session)

    return _run(session_id, action, ANCHOR)


@bp.post("/sessions/<session_id>/products/<product_id>/detach")
def detach_product(session_id, product_id):
    """Take a product out of the session."""

    def action(actor, session) -> Outcome:
        showcase.detach_product(actor, session.id, product_id)
        return "Product removed from the session.", _listed(actor, session)

    return _run(session_id, action, ANCHOR)
