"""Per-user flood control: chat (``CHAT_RATE_LIMIT`` per user per session) and reactions
(``REACTION_RATE_LIMIT`` per user).

One moving window per key, shared by the socket and REST paths and, with ``REDIS_URL``
set, by every server process. While Redis does not answer, the count falls back to this
process's memory (a warning is logged once per outage), as Flask-Limiter does for the REST
limits: chat and reactions keep working, each process counting on its own, and Redis is used
again as soon as it answers.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque

from flask import current_app
from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from plataforma.errors import RateLimited
from plataforma.services.redis import redis_client

log = logging.getLogger(__name__)

_EXTENSION = "plataforma.flood"
_MEMORY = "plataforma.flood.memory"
_lock = threading.Lock()
_fallback = MovingWindowRateLimiter(storage_from_string("memory://"))
_outage = {"logged": False}


def _limiter(config_key: str):
    """The parsed limit named by ``config_key`` and the app's moving-window limiter (one storage per app)."""
    app = current_app._get_current_object()
    spec = app.config[config_key]
    state = app.extensions.get(_EXTENSION)
    if state is None:
        with _lock:
            state = app.extensions.get(_EXTENSION)
            if state is None:
                url = app.config.get("REDIS_URL")
                if url:
                    prefix = f"{app.config['RATELIMIT_KEY_PREFIX']}:chat"
                    storage = storage_from_string(url, key_prefix=prefix, wrap_exceptions=True)
                else:
                    storage = storage_from_string("memory://")
                state = {"limiter": MovingWindowRateLimiter(storage), "items": {}}
                app.extensions[_EXTENSION] = state
    item = state["items"].get(spec)
    if item is None:
        item = state["items"][spec] = parse(spec)
    return item, state["limiter"]


def _hit(config_key: str, keys: tuple[str, ...], message: str) -> None:
    item, limiter = _limiter(config_key)
    try:
        allowed = limiter.hit(item, *keys)
        if _outage["logged"]:
            _outage["logged"] = False
            log.info("Flood control: Redis answers again")
    except StorageError as exc:
        if not _outage["logged"]:
            _outage["logged"] = True
            log.warning("Flood control: Redis unreachable, counting in memory: %s", exc)
        limiter = _fallback
        allowed = limiter.hit(item, *keys)
    if allowed:
        return
    try:
        reset_at = limiter.get_window_stats(item, *keys).reset_time
    except StorageError:
        reset_at = time.time() + item.get_expiry()
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise RateLimited(message.format(retry_after=retry_after), retry_after=retry_after)


def check_chat_rate(user_id, session_id) -> None:
    """Count one message; RateLimited (with ``retry_after`` seconds) when over the limit."""
    _hit(
        "CHAT_RATE_LIMIT",
        ("chat", str(session_id), str(user_id)),
        "Too many messages; wait {retry_after} s before sending again.",
    )


class MemoryWindows:
    """Moving windows in this process's memory, for limits hit thousands of times per second.

    limits' MemoryStorage starts a ``threading.Timer`` on almost every hit, and under eventlet
    creating a thread walks every green thread: with a thousand sockets a hit cost milliseconds.
    """

    PURGE_AT = 100_000

    def __init__(self):
        self.lock = threading.Lock()
        self.windows: dict[str, deque] = {}

    def hit(self, key: str, amount: int, seconds: float) -> float | None:
        """Count one hit; None if allowed, else the seconds until the oldest hit leaves the window."""
        now = time.monotonic()
        with self.lock:
            window = self.windows.get(key)
            if window is None:
                if len(self.windows) >= self.PURGE_AT:
                    self._purge(now, seconds)
                window = self.windows[key] = deque()
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= amount:
                return window[0] + seconds - now
            window.append(now)
            return None

    def _purge(self, now: float, seconds: float) -> None:
        for key in [k for k, w in self.windows.items() if not w or w[-1] <= now - seconds]:
            del self.windows[key]


def check_reaction_rate(user_id) -> None:
    """Count one reaction (any session, any type); RateLimited when over ``REACTION_RATE_LIMIT``.

    With Redis the window is shared by every process (limits' Redis storage); without it, this
    process is the deployment and the window lives in its memory (:class:`MemoryWindows`).
    """
    message = "Too many reactions; wait {retry_after} s."
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        _hit("REACTION_RATE_LIMIT", ("reaction", str(user_id)), message)
        return
    item = parse(app.config["REACTION_RATE_LIMIT"])
    windows = app.extensions.get(_MEMORY)
    if windows is None:
        with _lock:
            windows = app.extensions.setdefault(_MEMORY, MemoryWindows())
    wait = windows.hit(str(user_id), item.amount, item.get_expiry())
    if wait is not None:
        retry_after = max(1, math.ceil(wait))
        raise RateLimited(message.format(retry_after=retry_after), retry_after=retry_after)


# ---------------------------------------------------------------- slow mode (SPEC §15)

_SLOW = "plataforma.flood.slow"


def check_slow_mode(user_id, session_id, seconds: int) -> None:
    """One message per ``seconds`` per user per session; RateLimited ``slow_mode`` (with the seconds
    left) otherwise. With Redis, one key per (session, user) set with ``NX`` and an expiry, shared by
    every process; without Redis (or while it does not answer), in this process's memory."""
    key = f"slow:{session_id}:{user_id}"
    app = current_app._get_current_object()
    wait, counted = None, False
    client = redis_client(app)
    if client is not None:
        try:
            wait, counted = _slow_redis(client, f"{app.config['RATELIMIT_KEY_PREFIX']}:{key}", seconds), True
        except RedisError as exc:  # count here meanwhile, as the other limits do
            if not _outage["logged"]:
                _outage["logged"] = True
                log.warning("Slow mode: Redis unreachable, counting in memory: %s", exc)
    if not counted:
        wait = _slow_memory(app, key, seconds)
    if wait is not None:
        retry_after = max(1, math.ceil(wait))
        message = f"Slow mode: one message every {seconds} s; wait {retry_after} s."
        raise RateLimited(message, code="slow_mode", retry_after=retry_after)


def _slow_redis(client, key: str, seconds: int) -> float | None:
    if client.set(key, "1", nx=True, px=int(seconds * 1000)):
        return None
    left = client.pttl(key)
    return max(left, 1) / 1000 if left and left > 0 else 1.0


def _slow_memory(app, key: str, seconds: int) -> float | None:
    state = app.extensions.get(_SLOW)
    if state is None:
        with _lock:
            state = app.extensions.setdefault(_SLOW, {"lock": threading.Lock(), "until": {}})
    now = time.monotonic()
    with state["lock"]:
        until = state["until"]
        if len(until) >= MemoryWindows.PURGE_AT:
            for stale in [k for k, t in until.items() if t <= now]:
                del until[stale]
        ends = until.get(key)
        if ends is not None and ends > now:
            return ends - now
        until[key] = now + seconds
        return None
