"""The JSON API: one blueprint per resource, rate limited per user (auth: per IP)."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import UnsupportedMediaType

# First: ``plataforma.extensions`` sets the arguments parser the blueprints below are built with.
from plataforma import extensions
from plataforma.api import (
    analytics,
    asyncapi,
    auth,
    events,
    exports,
    health,
    messages,
    moderation,
    polls,
    products,
    profiles,
    projects,
    questions,
    reactions,
    reference,
    rooms,
    search,
    session_events,
    session_products,
    sessions,
    streams,
    surveys,
    webhooks,
)
from plataforma.api.openapi import api
from plataforma.services import tokens

# Route modules of the contract, in the order they appear in SPEC §6.
MODULES = [
    auth,
    profiles,
    projects,
    events,
    sessions,
    streams,
    rooms,
    messages,
    questions,
    polls,
    surveys,
    products,
    session_products,
    reactions,
    health,
    analytics,
    exports,
    search,
    session_events,  # SPEC §16
    webhooks,
    moderation,  # SPEC §15
]
PER_IP = {auth}  # sign-up and sign-in: per client IP, AUTH_RATE_LIMIT
UNLIMITED = {health, reactions}  # reactions: RATELIMIT_REACTION per user instead (10 per second)


def user_or_ip() -> str:
    """Rate-limit key: the token's user when a valid bearer token is sent, else the client IP."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user_id = tokens.subject_or_none(header[7:].strip())  # invalid tokens get their 401 later
        if user_id is not None:
            return "user:" + user_id
    return "ip:" + get_remote_address()


_limited = False


def _apply_limits() -> None:
    # Decorating a blueprint registers it on the module-level limiter: do it once.
    global _limited
    if _limited:
        return
    for module in MODULES:
        if module in PER_IP:
            extensions.limiter.shared_limit(lambda: current_app.config["AUTH_RATE_LIMIT"], scope="auth")(module.blp)
        elif module not in UNLIMITED:
            extensions.limiter.shared_limit(
                lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=user_or_ip
            )(module.blp)
    _limited = True


def require_json_body() -> None:
    """A body sent to the API must be JSON: otherwise 415, not "every field is missing"."""
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"} or not request.path.startswith("/api/"):
        return
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if has_body and not request.is_json:
        raise UnsupportedMediaType()


def init_app(app) -> None:
    app.before_request(require_json_body)
    api.init_app(app)
    _apply_limits()
    for module in MODULES:
        api.register_blueprint(module.blp)
    app.extensions["plataforma.socket_schemas"] = asyncapi.register_schemas(api)
    app.register_blueprint(reference.bp)
