"""Business rules: the only code that changes data and queues broadcasts.

Services flush, never commit; the edge (a route, socket handler or dashboard
view) calls :func:`commit` once, which also emits the queued events.
"""

from __future__ import annotations

import uuid

from plataforma.errors import NotFound
from plataforma.extensions import db
from plataforma.services import events
from plataforma.values import as_uuid


def commit() -> None:
    db.session.commit()
    events.dispatch_pending()


def parse_uuid(value, what: str = "resource") -> uuid.UUID:
    """A path id that is not a UUID names nothing: 404, like an unknown id."""
    parsed = as_uuid(value)
    if parsed is None:
        raise NotFound(f"{what.capitalize()} not found.")
    return parsed


def get_or_404(model, ident, what: str | None = None):
    what = what or model.__name__.lower()
    obj = db.session.get(model, parse_uuid(ident, what))
    if obj is None:
        raise NotFound(f"{what.capitalize()} not found.")
    return obj
