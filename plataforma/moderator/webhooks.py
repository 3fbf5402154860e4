"""Dashboard: the webhooks page (admin only; SPEC §16) with recent deliveries and a retry button."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from plataforma.errors import AppError, Forbidden
from plataforma.extensions import db
from plataforma.moderator import bp
from plataforma.moderator.helpers import current_moderator
from plataforma.services import commit
from plataforma.services import webhooks as service

RECENT_DELIVERIES = 50


def _admin():
    actor = current_moderator()
    if not actor.is_admin:
        raise Forbidden("Only admins manage webhooks.")
    return actor


@bp.get("/webhooks")
def webhooks():
    """Every webhook and the most recent deliveries (all webhooks), newest first."""
    actor = _admin()
    hooks = service.list_webhooks(actor)
    deliveries = service.recent_deliveries(RECENT_DELIVERIES)
    return render_template("moderator/webhooks.html", hooks=hooks, deliveries=deliveries)


@bp.post("/webhooks/<webhook_id>/deliveries/<delivery_id>/retry")
def retry_webhook_delivery(webhook_id, delivery_id):
    """Send a delivery again now (same webhook-id)."""
    actor = _admin()
    try:
        service.retry_delivery(actor, webhook_id, delivery_id)
        commit()
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash("Delivery queued: the worker sends it within seconds.", "success")
    return redirect(url_for("moderator.webhooks", _anchor="deliveries"), 303)
