"""Sending the outbox (SPEC §16): claim due rows, POST them signed, record the outcome.

* **Claim once.** A due row (pending, ``next_attempt_at`` passed, no live lease) is claimed by
  setting ``claimed_until`` (a lease of ``WEBHOOK_LEASE_SECONDS``) and a fresh ``claim_token``.
  On PostgreSQL the candidates are selected ``FOR UPDATE SKIP LOCKED`` (concurrent workers pick
  different rows without waiting); on SQLite, where writers are serialised, each row is claimed
  by a conditional ``UPDATE … WHERE claimed_until IS NULL OR claimed_until < now`` whose row count
  says whether this worker won. The outcome is written only while the token still matches, so a
  worker whose lease expired (it hung) cannot overwrite a newer attempt.
* **At least once.** A worker that dies mid-attempt leaves a lease that expires; the row is then
  claimed again. Receivers dedupe on ``webhook-id`` (the same on every attempt).
* **Signed** per Standard Webhooks (``standardwebhooks`` signs: ``v1,<base64 HMAC-SHA256>`` of
  ``id.timestamp.body``), with a fresh timestamp per attempt.
* **Sent safely**: the host is resolved and checked again (:mod:`plataforma.services.ssrf`) and
  the connection goes to the checked address (Host header and TLS SNI/certificate check use the
  URL's name); redirects are not followed; ``WEBHOOK_TIMEOUT`` (10 s) bounds the attempt.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import urllib3
from flask import current_app
from standardwebhooks.webhooks import Webhook as Signer

from plataforma.extensions import db
from plataforma.models import DeliveryStatus, WebhookDelivery, utcnow
from plataforma.services import ssrf, webhooks

log = logging.getLogger(__name__)
USER_AGENT = "PlataformaLive-Webhooks/1.0"
MAX_ERROR = 500


@dataclass(frozen=True)
class Job:
    """What an attempt needs, read before the HTTP call so no transaction stays open during it."""

    delivery_id: uuid.UUID
    token: uuid.UUID
    url: str
    secret: str
    body: str


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# ---------------------------------------------------------------- claiming


def claim_due(limit: int) -> list[Job]:
    """Claim up to ``limit`` due rows for this worker (the caller commits); returns their jobs."""
    if limit <= 0:
        return []
    now = utcnow()
    token = uuid.uuid4()
    lease_end = now + webhooks.lease()
    free = sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)
    due = (
        sa.select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now, free)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    claim = sa.update(WebhookDelivery).values(claimed_until=lease_end, claim_token=token)
    claim = claim.execution_options(synchronize_session=False)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(claim.where(WebhookDelivery.id.in_(ids)))
    else:
        ids = [
            delivery_id
            for delivery_id in db.session.scalars(due).all()
            if db.session.execute(claim.where(WebhookDelivery.id == delivery_id, free)).rowcount == 1
        ]
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).execution_options(populate_existing=True)
    ).all()
    return [
        Job(
            delivery_id=row.id,
            token=token,
            url=row.webhook.url,
            secret=row.webhook.secret,
            body=json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False),
        )
        for row in rows
    ]


# ---------------------------------------------------------------- sending


def signed_headers(job: Job, now=None) -> dict[str, str]:
    now = now or utcnow()
    msg_id = str(job.delivery_id)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Signer(job.secret).sign(msg_id, now, job.body),
    }


def _pool(target: ssrf.Target, address: str, timeout: float):
    options = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1, "block": False}
    if target.scheme == "https":
        if current_app.config["WEBHOOK_CA_BUNDLE"]:
            options["ca_certs"] = current_app.config["WEBHOOK_CA_BUNDLE"]
        # Connect to the checked address; the name is still what TLS verifies.
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    return urllib3.HTTPConnectionPool(address, target.port, **options)


def send(job: Job) -> Outcome:
    """One POST; never raises (the outcome carries the error)."""
    config = current_app.config
    try:
        target = ssrf.parse_url(job.url)
        addresses = ssrf.resolve(target, allow_private=config["WEBHOOK_ALLOW_PRIVATE"])
    except ssrf.UnsafeTarget as exc:
        return Outcome(error=f"Refused: {exc}")
    headers = signed_headers(job) | {"Host": target.host_header}
    pool = _pool(target, addresses[0], float(config["WEBHOOK_TIMEOUT"]))
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=job.body.encode(),
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        status = response.status
        response.release_conn()
        return Outcome(status_code=status, error=None if 200 <= status < 300 else f"HTTP {status}")
    except urllib3.exceptions.TimeoutError:
        return Outcome(error="Timed out")
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(error=_short(f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # a bug must not kill the worker
        log.exception("Webhook delivery %s failed", job.delivery_id)
        return Outcome(error=_short(type(exc).__name__))
    finally:
        pool.close()


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


# ---------------------------------------------------------------- recording


def record(job: Job, outcome: Outcome) -> WebhookDelivery | None:
    """Write the attempt's outcome (the caller commits); None when the claim was lost meanwhile."""
    delivery = db.session.get(WebhookDelivery, job.delivery_id, with_for_update=True, populate_existing=True)
    if delivery is None or delivery.claim_token != job.token:
        return None
    now = utcnow()
    delivery.attempts += 1
    delivery.attempts_left = max(delivery.attempts_left - 1, 0)
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.claimed_until = None
    delivery.claim_token = None
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts_left == 0:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        schedule = webhooks.backoff_schedule() or [0]
        wait = schedule[min(delivery.attempts - 1, len(schedule) - 1)]
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    db.session.flush()
    return delivery
