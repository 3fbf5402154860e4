"""The JSON API: one blueprint per resource, rate limited per user (auth: per IP)."""

from __future__ import annotations

import contextlib
import importlib

from flask import current_app, request
from flask_jwt_extended import decode_token
from flask_limiter.util import get_remote_address

from plataforma.extensions import api, limiter

# Route modules of the contract, in the order they appear in SPEC §6.
MODULES = [
    "auth",
    "profiles",
    "projects",
    "events",
    "sessions",
    "streams",
    "rooms",
    "messages",
    "questions",
    "polls",
    "surveys",
    "health",
]


def user_or_ip() -> str:
    """Rate-limit key: the token's user when a valid bearer token is sent, else the client IP."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        with contextlib.suppress(Exception):  # invalid tokens get their 401 later; key them by IP
            return "user:" + str(decode_token(header[7:].strip())["sub"])
    return "ip:" + get_remote_address()


def _blueprints():
    for name in MODULES:
        try:
            module = importlib.import_module(f"plataforma.api.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"plataforma.api.{name}":
                raise
            continue
        yield name, module.blp


_limited = False


def _apply_limits(blueprints) -> None:
    # Decorating a blueprint registers it on the module-level limiter: do it once.
    global _limited
    if _limited:
        return
    for name, blp in blueprints:
        if name == "auth":
            limiter.shared_limit(lambda: current_app.config["AUTH_RATE_LIMIT"], scope="auth")(blp)
        elif name != "health":
            limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=user_or_ip)(blp)
    _limited = True


def init_app(app) -> None:
    blueprints = list(_blueprints())
    _apply_limits(blueprints)
    for _name, blp in blueprints:
        api.register_blueprint(blp)
