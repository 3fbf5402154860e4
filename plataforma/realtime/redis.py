"""A shared Redis client when ``REDIS_URL`` is set (message queue, limits, counters)."""

from __future__ import annotations

from flask import current_app


def redis_client():
    """The app's Redis client, or None when Redis is not configured."""
    return current_app.extensions.get("plataforma.redis")


def init_app(app) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions["plataforma.redis"] = None
        return
    import redis

    app.extensions["plataforma.redis"] = redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )
