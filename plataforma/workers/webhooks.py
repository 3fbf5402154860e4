"""The webhook delivery loop (SPEC §16).

Runs inside ``python wsgi.py`` as a background task (``WEBHOOK_WORKER=inline``, the default) or
alone with ``flask --app wsgi webhooks-worker`` (then set ``WEBHOOK_WORKER=off`` on the web
processes if they should not deliver). Several loops may run at once (one per process): every
row is claimed by one of them (:func:`plataforma.services.webhook_delivery.claim_due`).

Every ``WEBHOOK_POLL_SECONDS`` (1 s) the loop claims as many due rows as it has free slots
(``WEBHOOK_CONCURRENCY``, 8) and sends each in its own task (a green thread under eventlet,
whose monkey-patched sockets make the HTTP call cooperative, so a slow receiver delays neither
other deliveries nor HTTP requests). No transaction is open during an HTTP call.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import OperationalError

from plataforma.errors import remove_session, rollback
from plataforma.extensions import socketio
from plataforma.models import DeliveryStatus
from plataforma.services import commit
from plataforma.services import webhook_delivery as delivery

log = logging.getLogger(__name__)
_STARTED = "plataforma.webhooks_worker"
_lock = threading.Lock()


def ensure_started(app) -> bool:
    """Start the loop in this process unless tests run or ``WEBHOOK_WORKER`` says otherwise."""
    if app.config.get("TESTING") or app.config["WEBHOOK_WORKER"] != "inline":
        return False
    with _lock:
        if app.extensions.get(_STARTED):
            return False
        app.extensions[_STARTED] = True
    socketio.start_background_task(run_forever, app)
    return True


class _Slots:
    def __init__(self, size: int):
        self.size, self.busy = size, 0
        self.lock = threading.Lock()

    def free(self) -> int:
        with self.lock:
            return self.size - self.busy

    def take(self, n: int) -> None:
        with self.lock:
            self.busy += n

    def give(self) -> None:
        with self.lock:
            self.busy -= 1


def run_forever(app, should_stop=lambda: False) -> None:
    slots = _Slots(int(app.config["WEBHOOK_CONCURRENCY"]))
    poll = float(app.config["WEBHOOK_POLL_SECONDS"])
    log.info("Webhook worker started")
    while not should_stop():
        jobs = _claim(app, slots.free())
        slots.take(len(jobs))
        for job in jobs:
            socketio.start_background_task(_attempt_and_free, app, job, slots)
        socketio.sleep(poll)


def _claim(app, limit: int) -> list[delivery.Job]:
    if limit <= 0:
        return []
    with app.app_context():
        try:
            jobs = delivery.claim_due(limit)
            commit()
            return jobs
        except OperationalError as exc:  # the database is away (a restart): one line, the next poll retries
            rollback()
            log.error("Could not claim webhook deliveries, the database is unavailable: %s", exc.orig)
            return []
        except Exception:
            rollback()
            log.exception("Could not claim webhook deliveries")
            return []
        finally:
            remove_session()


def _attempt_and_free(app, job: delivery.Job, slots: _Slots) -> None:
    try:
        attempt(app, job)
    finally:
        slots.give()


def attempt(app, job: delivery.Job) -> DeliveryStatus | None:
    """Send one claimed job and record the outcome; returns the delivery's new status (None: the
    claim was lost meanwhile, nothing recorded)."""
    with app.app_context():
        outcome = delivery.send(job)
        try:
            recorded = delivery.record(job, outcome)
            status = recorded.status if recorded is not None else None
            commit()
            return status
        except OperationalError as exc:  # the claim's lease runs out and the delivery is sent again
            rollback()
            log.error("Could not record webhook delivery %s, database unavailable: %s", job.delivery_id, exc.orig)
            return None
        except Exception:
            rollback()
            log.exception("Could not record webhook delivery %s", job.delivery_id)
            return None
        finally:
            remove_session()


def run_once(app, limit: int = 100) -> list[DeliveryStatus | None]:
    """Claim what is due and send it here, one after the other (tests, and a manual kick)."""
    return [attempt(app, job) for job in _claim(app, limit)]
