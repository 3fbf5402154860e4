"""Plain-value rules shared by every layer: UUIDs, UTC datetimes, boolean strings.

Imports nothing of ours, so config, schemas, services and entry points may all use it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

TRUE_STRINGS = frozenset({"1", "true", "yes", "on"})
FALSE_STRINGS = frozenset({"0", "false", "no", "off"})


def as_uuid(value) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (any type)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime. SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_flag(raw: str | None) -> bool | None:
    """``"true"``/``"1"``/``"yes"``/``"on"`` -> True, their opposites -> False, anything else -> None."""
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in TRUE_STRINGS:
        return True
    if value in FALSE_STRINGS:
        return False
    return None
