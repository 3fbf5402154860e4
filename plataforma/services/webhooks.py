"""Webhooks (SPEC §16): admin management, and the outbox that services write to.

:func:`enqueue` is the one function services call when a change maps to a webhook event: it
writes one ``webhook_deliveries`` row per subscribed webhook in the current transaction (the
transactional outbox), so a change and its webhooks commit or roll back together, and a row
written before a crash is still there after the restart. Nothing is sent from a request:
:mod:`plataforma.services.webhook_delivery` and the worker do that.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from plataforma.errors import Forbidden, NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.models import DeliveryStatus, Profile, Webhook, WebhookDelivery, utcnow
from plataforma.schemas.base import UTCDateTime
from plataforma.services import parse_uuid, ssrf

SECRET_PREFIX = "whsec_"
PING = "ping"
_iso = UTCDateTime()


def backoff_schedule() -> list[float]:
    """Seconds before each retry (``WEBHOOK_BACKOFF_SECONDS``, default 5, 30, 120, 600, 1800)."""
    return list(current_app.config["WEBHOOK_BACKOFF_SECONDS"])


def new_secret() -> str:
    """``whsec_`` + base64 of 24 random bytes (the Standard Webhooks form)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


# ---------------------------------------------------------------- the outbox


def enqueue(event_type: str, data, hooks: list[Webhook] | None = None) -> list[WebhookDelivery]:
    """Queue ``event_type`` with ``data`` (the resource as the API shows it to a moderator) for
    every webhook subscribed to it (``hooks``, when the caller read them already with
    :func:`subscribed` in this transaction), in the current transaction; returns the rows."""
    if hooks is None:
        hooks = subscribed(event_type)
    return [_outbox_row(hook, event_type, data) for hook in hooks]


def subscribed(event_type: str) -> list[Webhook]:
    """The webhooks subscribed to ``event_type``, by id."""
    # Every chat message asks; most deployments have few webhooks or none: read the subscriptions as
    # plain rows and load the subscribed webhooks only (no ORM objects for the rest).
    ids = [hook_id for hook_id, events in db.session.execute(_SUBSCRIPTIONS) if event_type in (events or [])]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Webhook).where(Webhook.id.in_(ids)).order_by(Webhook.id)))


_SUBSCRIPTIONS = sa.select(Webhook.id, Webhook.events)


def _outbox_row(hook: Webhook, event_type: str, data, *, now=None) -> WebhookDelivery:
    now = now or utcnow()
    delivery_id = uuid.uuid4()
    delivery = WebhookDelivery(
        id=delivery_id,
        webhook_id=hook.id,
        webhook=hook,
        event=event_type,
        payload={
            "id": str(delivery_id),
            "type": event_type,
            "createdAt": _iso.serialize("t", {"t": now}),
            "data": data,
        },
        status=DeliveryStatus.PENDING,
        attempts=0,
        attempts_left=len(backoff_schedule()) + 1,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    return delivery


# ---------------------------------------------------------------- admin


def _require_admin(actor: Profile) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an admin can manage webhooks.")


def _checked_url(url: str) -> str:
    try:
        ssrf.check_url(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except ssrf.UnsafeTarget as exc:
        raise ValidationFailed("The webhook URL is not allowed.", fields={"url": [str(exc)]}) from None
    return url


def list_webhooks(actor: Profile) -> list[Webhook]:
    _require_admin(actor)
    return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.created_at, Webhook.id)))


def get_webhook(actor: Profile, webhook_id) -> Webhook:
    _require_admin(actor)
    hook = db.session.get(Webhook, parse_uuid(webhook_id, "webhook"))
    if hook is None:
        raise NotFound("Webhook not found.")
    return hook


def create_webhook(actor: Profile, data: dict) -> Webhook:
    """A webhook with a fresh secret (shown once, by the route that creates it)."""
    _require_admin(actor)
    hook = Webhook(
        url=_checked_url(data["url"]),
        events=list(data["events"]),
        description=data.get("description"),
        secret=new_secret(),
        created_by=actor.id,
    )
    db.session.add(hook)
    db.session.flush()
    return hook


def update_webhook(actor: Profile, webhook_id, changes: dict) -> Webhook:
    hook = get_webhook(actor, webhook_id)
    if "url" in changes:
        hook.url = _checked_url(changes["url"])
    if "events" in changes:
        hook.events = list(changes["events"])
    if "description" in changes:
        hook.description = changes["description"]
    db.session.flush()
    return hook


def delete_webhook(actor: Profile, webhook_id) -> None:
    """Its deliveries go with it (pending ones are never sent)."""
    hook = get_webhook(actor, webhook_id)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    db.session.delete(hook)
    db.session.flush()


def list_deliveries(actor: Profile, webhook_id, *, limit: int = 50, offset: int = 0) -> list[WebhookDelivery]:
    hook = get_webhook(actor, webhook_id)
    query = (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def recent_deliveries(limit: int = 20) -> list[WebhookDelivery]:
    """The newest deliveries of every webhook (the dashboard)."""
    query = sa.select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def retry_delivery(actor: Profile, webhook_id, delivery_id) -> WebhookDelivery:
    """Send again now, same message id (``webhook-id``). A pending one just moves up; a delivered or
    failed one gets one more attempt (failing it is ``failed`` again, without a new backoff)."""
    hook = get_webhook(actor, webhook_id)
    delivery = db.session.get(WebhookDelivery, parse_uuid(delivery_id, "delivery"))
    if delivery is None or delivery.webhook_id != hook.id:
        raise NotFound("Delivery not found.")
    if delivery.status != DeliveryStatus.PENDING:
        delivery.attempts_left = 1
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.claimed_until = None
    delivery.claim_token = None
    db.session.flush()
    return delivery


def send_test(actor: Profile, webhook_id) -> WebhookDelivery:
    """Queue a ``ping`` for this webhook only."""
    hook = get_webhook(actor, webhook_id)
    delivery = _outbox_row(hook, PING, {"webhookId": str(hook.id)})
    db.session.flush()
    return delivery


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["WEBHOOK_LEASE_SECONDS"]))
