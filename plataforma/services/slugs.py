"""Event slugs: readable, URL-safe, unique, never mistaken for an id or a route."""

from __future__ import annotations

import re
import unicodedata
import uuid

from sqlalchemy import or_, select

from plataforma.extensions import db
from plataforma.models import Event

# Derived slugs, suffix included, stay within the documented 200 characters (SLUG_MAX).
BASE_MAX = 200
# Room kept for a "-<n>" suffix: the shared stem of a base and all its numbered variants.
_SUFFIX_ROOM = 11
# Path segments of /api/events that a slug must not shadow.
RESERVED_SLUGS = frozenset({"live"})


def slugify(text: str) -> str:
    """ASCII, lowercase, words joined by single hyphens; "event" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:BASE_MAX].rstrip("-") or "event"


def is_reserved(slug: str) -> bool:
    if slug in RESERVED_SLUGS:
        return True
    try:
        uuid.UUID(slug)
    except ValueError:
        return False
    return True


def _numbered(base: str, n: int) -> str:
    suffix = f"-{n}"
    return base[: BASE_MAX - len(suffix)].rstrip("-") + suffix


def available_slug(base: str, *, exclude_id: uuid.UUID | None = None) -> str:
    """``base`` if free, else ``base-2``, ``base-3``... shortened to fit 200 characters (one query)."""
    stem = base[: BASE_MAX - _SUFFIX_ROOM].rstrip("-")  # every candidate starts with it
    query = select(Event.slug).where(or_(Event.slug == base, Event.slug.like(stem + "%")))
    if exclude_id is not None:
        query = query.where(Event.id != exclude_id)
    with db.session.no_autoflush:
        taken = set(db.session.scalars(query))
    candidates = [base] + [_numbered(base, n) for n in range(2, len(taken) + 3)]
    return next(c for c in candidates if c not in taken and not is_reserved(c))
