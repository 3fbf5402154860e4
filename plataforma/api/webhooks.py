"""/api/webhooks: admin management of webhooks and their deliveries (SPEC §16)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required
from plataforma.schemas.integration import (
    DeliveryListArgs,
    WebhookCreatedSchema,
    WebhookDeliverySchema,
    WebhookInputSchema,
    WebhookSchema,
    WebhookUpdateSchema,
)
from plataforma.services import commit
from plataforma.services import webhooks as service

blp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks", description="Webhooks (admin)")


@blp.route("", methods=["GET"], strict_slashes=False)
@admin_required
@blp.response(200, WebhookSchema(many=True))
def list_webhooks():
    """Every webhook, oldest first (never their secrets)."""
    return service.list_webhooks(current_user)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(WebhookInputSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(data):
    """Add a webhook; the answer carries its signing ``secret``, shown only this once."""
    hook = service.create_webhook(current_user, data)
    commit()
    return hook


@blp.route("/<webhook_id>", methods=["GET"])
@admin_required
@blp.response(200, WebhookSchema)
def get_webhook(webhook_id):
    """One webhook (without its secret)."""
    return service.get_webhook(current_user, webhook_id)


@blp.route("/<webhook_id>", methods=["PATCH"])
@admin_required
@blp.arguments(WebhookUpdateSchema)
@blp.response(200, WebhookSchema)
def update_webhook(changes, webhook_id):
    """Change a webhook's URL, events or description (the secret stays)."""
    hook = service.update_webhook(current_user, webhook_id, changes)
    commit()
    return hook


@blp.route("/<webhook_id>", methods=["DELETE"])
@admin_required
@blp.response(204)
def delete_webhook(webhook_id):
    """Delete a webhook and its deliveries."""
    service.delete_webhook(current_user, webhook_id)
    commit()


@blp.route("/<webhook_id>/deliveries", methods=["GET"])
@admin_required
@blp.arguments(DeliveryListArgs, location="query")
@blp.response(200, WebhookDeliverySchema(many=True))
def list_deliveries(args, webhook_id):
    """The webhook's deliveries, newest first."""
    return service.list_deliveries(current_user, webhook_id, limit=args["limit"], offset=args["offset"])


@blp.route("/<webhook_id>/deliveries/<delivery_id>/retry", methods=["POST"])
@admin_required
@blp.response(202, WebhookDeliverySchema)
def retry_delivery(webhook_id, delivery_id):
    """Send a delivery again now (same ``webhook-id``)."""
    delivery = service.retry_delivery(current_user, webhook_id, delivery_id)
    commit()
    return delivery


@blp.route("/<webhook_id>/test", methods=["POST"])
@admin_required
@blp.response(202, WebhookDeliverySchema)
def send_test(webhook_id):
    """Queue a ``ping`` to this webhook; its delivery shows in the log."""
    delivery = service.send_test(current_user, webhook_id)
    commit()
    return delivery
