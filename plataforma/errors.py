"""Domain exceptions and the one place that turns errors into responses.

Every error under ``/api`` (and everything else that is not the HTML dashboard)
answers ``{"error": {"code", "message", "fields"?}}`` with the right status.
"""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from redis.exceptions import RedisError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from plataforma.extensions import db

log = logging.getLogger(__name__)


class AppError(Exception):
    """A refusal the caller can act on. Services raise these; edges render them."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields


class ValidationFailed(AppError):
    status = 400
    code = "validation_error"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class GuestNotAllowed(Forbidden):
    """A guest token (SPEC §12) used for something outside the guests' allow-list."""

    code = "guest_not_allowed"

    def __init__(self, message: str = "Guests cannot do this: sign in with an account.", **kwargs):
        super().__init__(message, **kwargs)


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"


# werkzeug status -> our error code
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

HTTP_MESSAGES = {
    404: "The requested resource was not found.",
    405: "The method is not allowed for this URL.",
    413: "The request body is larger than 1 MiB.",
    415: "Send the request body as JSON, with Content-Type: application/json.",
    429: "Too many requests; slow down and retry later.",
    500: "An unexpected error occurred.",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _wants_html() -> bool:
    return request.path.startswith("/moderator")


def _render(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    if _wants_html():
        body = render_template("error.html", status=status, message=message)
        return body, status, headers or {}
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


def flatten_validation_messages(messages: dict) -> dict:
    """webargs nests errors by location (``{"json": {...}, "query": {...}}``), marshmallow by
    nested field and list index; the contract's ``fields`` maps a name to a list of messages,
    so nested problems get dotted names (``options.1.text``)."""
    fields: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            _flatten_into(fields, errors, "")
        else:  # e.g. {"json": ["Invalid JSON body."]}
            fields["body" if location in {"json", "form"} else location] = _strings(errors)
    return fields


def _flatten_into(fields: dict, errors: dict, prefix: str) -> None:
    for name, problems in errors.items():
        key = (prefix[:-1] or "body") if name == "_schema" else f"{prefix}{name}"
        if isinstance(problems, dict):
            _flatten_into(fields, problems, key + ".")
        else:
            fields.setdefault(key, []).extend(_strings(problems))


def _strings(problems) -> list[str]:
    items = problems if isinstance(problems, list | tuple) else [problems]
    return [str(item) for item in items]


def rollback() -> None:
    """Roll the current transaction back. When the database has cut the connection (a restart), the
    rollback fails and the pool drops the connection: logged in one line, not raised, so that an error
    handler never fails in turn (an exception out of Flask is a 500 that eventlet logs nowhere)."""
    try:
        db.session.rollback()
    except SQLAlchemyError as exc:
        log.warning("Rollback failed, the database connection is gone: %s", getattr(exc, "orig", exc))


def remove_session() -> None:
    """End the request's or socket event's database session, as Flask-SQLAlchemy's teardown does, but
    never raising: closing a session whose transaction is open on a connection the database cut fails
    once (and invalidates the connection); closing it again then succeeds."""
    try:
        db.session.remove()
    except SQLAlchemyError as exc:
        log.warning("Closing the database session failed, the connection is gone: %s", getattr(exc, "orig", exc))
        try:
            db.session.remove()
        except SQLAlchemyError:  # not seen; the session is dropped either way
            db.session.registry.clear()


def http_error_response(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)

    messages = data.get("messages")
    if messages is not None:  # webargs/marshmallow validation
        fields = flatten_validation_messages(messages)
        return _render(400, "validation_error", "The request is invalid.", fields, headers)

    if status >= 500:
        rollback()
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("Unhandled error on %s %s", request.method, request.path, exc_info=original)
    message = HTTP_MESSAGES.get(status) or error.description or error.name
    if status in (400, 401, 403, 409) and error.description:
        message = error.description
    return _render(status, HTTP_CODES.get(status, "error"), message, None, headers)


def register_error_handlers(app: Flask) -> None:
    # Runs before Flask-SQLAlchemy's own teardown (registered earlier; teardowns run last first), which
    # then finds no session left to close.
    app.teardown_appcontext(lambda _error: remove_session())

    @app.errorhandler(AppError)
    def handle_app_error(error: AppError):
        rollback()
        headers = None
        if isinstance(error, RateLimited):
            g.retry_after = error.retry_after  # wins over Flask-Limiter's own header
            headers = {"Retry-After": str(error.retry_after)}
        return _render(error.status, error.code, error.message, error.fields, headers)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        # Services translate the constraints they expect; this is the safety net.
        rollback()
        log.warning("Unexpected integrity error on %s: %s", request.path, error.orig)
        return _render(409, "conflict", "The request conflicts with existing data.")

    @app.errorhandler(DataError)
    def handle_data_error(error: DataError):
        # Validation should have caught it (a value the column cannot hold); answer as a 400.
        rollback()
        log.warning("Database refused a value on %s: %s", request.path, error.orig)
        return _render(400, "validation_error", "A value is out of range or not valid for its field.")

    @app.errorhandler(OperationalError)
    def handle_database_down(error: DBAPIError):
        rollback()
        log.error("Database unavailable: %s", error.orig)
        return _render(503, "service_unavailable", "The database is unavailable; retry shortly.")

    @app.errorhandler(RedisError)
    def handle_redis_down(error: RedisError):
        rollback()
        log.error("Redis unavailable on %s: %s", request.path, error)
        return _render(503, "service_unavailable", "A backing service is unavailable; retry shortly.")
