"""The shared Redis client when ``REDIS_URL`` is set (viewer counts, health); None without Redis.

Infrastructure below the entry points: services, the health check and the realtime
package all reach Redis through here. (Flask-Limiter, chat flood control and the
Socket.IO message queue build their own connections from ``REDIS_URL``.)
"""

from __future__ import annotations

import redis
from flask import current_app

_EXTENSION = "plataforma.redis"


def redis_client(app=None) -> redis.Redis | None:
    """The app's Redis client, or None when Redis is not configured."""
    return (app or current_app).extensions.get(_EXTENSION)


def init_app(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions[_EXTENSION] = (
        redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        if url
        else None
    )
