"""Liveness and readiness: GET /health (also /api/health)."""

from __future__ import annotations

import logging

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from plataforma.extensions import db
from plataforma.services.redis import redis_client

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    redis = fields.String()


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("Health check: database unreachable: %s", exc)
        db.session.rollback()
        return False


def _redis_state() -> str:
    client = redis_client()
    if client is None:
        return "disabled"
    try:
        client.ping()
        return "ok"
    except Exception as exc:  # any redis/network error means "down"
        log.warning("Health check: redis unreachable: %s", exc)
        return "down"


@blp.route("/health", methods=["GET"])
@blp.route("/api/health", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database, or Redis when configured, is unreachable")
@blp.doc(security=[{}])
def health():
    """Readiness: 200 when the database (and Redis, when configured) answer, 503 when one does not.

    A node whose Redis is down cannot count viewers or reach the other processes' sockets:
    the load balancer should send its traffic elsewhere until Redis answers again.
    """
    database_ok = _database_ok()
    redis_state = _redis_state()
    ready = database_ok and redis_state != "down"
    body = {
        "status": "ok" if ready else "unavailable",
        "database": "ok" if database_ok else "down",
        "redis": redis_state,
    }
    return body, (200 if ready else 503)
