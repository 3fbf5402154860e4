"""Small pieces shared by the dashboard's views: who is signed in, response shapes."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import g, jsonify, request

from plataforma.errors import ValidationFailed, error_body
from plataforma.models import Profile
from plataforma.values import as_flag, as_utc


def current_moderator() -> Profile:
    """The signed-in moderator or admin (set by the blueprint's before_request hook)."""
    return g.moderator


def wants_json() -> bool:
    """The page script posts forms with ``Accept: application/json``; browsers without JS never do."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response


def safe_next(target: str | None) -> str | None:
    """Only a path inside the dashboard is a safe place to return to after signing in."""
    if not target or "\\" in target or target.startswith("//"):
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None  # CR/LF would break the Location header (a 500); no real path has control characters
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if parts.path != "/moderator" and not parts.path.startswith("/moderator/"):
        return None
    if parts.path.startswith(("/moderator/login", "/moderator/logout")):
        return None
    return target


def form_flag(name: str, default: bool | None) -> bool | None:
    """A boolean form field ("true"/"false", "1"/"0", "on"/"off"); ``default`` when absent."""
    raw = request.form.get(name)
    if raw is None or raw == "":
        return default
    value = as_flag(raw)
    if value is not None:
        return value
    raise ValidationFailed(f"{name} must be true or false.", fields={name: ["Must be true or false."]})


def iso_utc(value: datetime | None) -> str:
    value = as_utc(value)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else ""


def short_time(value: datetime | None) -> str:
    value = as_utc(value)
    return value.strftime("%H:%M") if value else ""


def long_datetime(value: datetime | None) -> str:
    value = as_utc(value)
    return value.strftime("%d %b %Y, %H:%M UTC") if value else "Not scheduled"


def duration(seconds: float | None) -> str:
    """``3725`` -> ``1 h 02 min``; under an hour ``12 min 05 s``."""
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
