"""The JSON API: one blueprint per resource, rate limited per user (auth: per IP)."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import Api

# First: ``plataforma.extensions`` sets the arguments parser the blueprints below are built with.
from plataforma import extensions
from plataforma.api import (
    auth,
    events,
    health,
    messages,
    polls,
    profiles,
    projects,
    questions,
    rooms,
    session_events,
    sessions,
    streams,
    surveys,
    webhooks,
)
from plataforma.errors import http_error_response
from plataforma.schemas.base import ErrorSchema
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
    health,
    session_events,  # SPEC §16
    webhooks,
]
PER_IP = {auth}  # sign-up and sign-in: per client IP, AUTH_RATE_LIMIT
UNLIMITED = {health}


class PlataformaApi(Api):
    """flask-smorest Api whose HTTP errors follow the contract's JSON shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return http_error_response(error)


api = PlataformaApi()


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


def init_app(app) -> None:
    api.init_app(app)
    _apply_limits()
    for module in MODULES:
        api.register_blueprint(module.blp)
