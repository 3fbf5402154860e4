"""The shared Redis client when ``REDIS_URL`` is set (viewer counts, health); None without Redis.

Infrastructure below the entry points: services, the health check and the realtime
package all reach Redis through here. (Flask-Limiter, chat flood control and the
Socket.IO message queue build their own connections from ``REDIS_URL``.)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import redis
from flask import current_app

log = logging.getLogger(__name__)

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


def listen(url: str, channel: str, on_message: Callable, on_gap: Callable[[], None], *, name: str, sleep) -> None:
    """Subscribe to ``channel`` for ever (a background task): ``on_message(data)`` for each message,
    ``on_gap()`` on (re)subscribing and after a failure, when messages may have been missed. Redis
    going away is a warning and a retry a second later (``sleep``: the async mode's sleep)."""
    # Its own connection, without the shared client's read timeout: a quiet channel is normal.
    client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
    while True:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel)
            on_gap()
            for message in pubsub.listen():
                if message and message.get("type") == "message":
                    on_message(message["data"])
        except Exception as exc:
            log.warning("%s: Redis unreachable (%s); retrying", name, exc)
            on_gap()
        finally:
            with contextlib.suppress(Exception):  # already broken
                pubsub.close()
        sleep(1)
