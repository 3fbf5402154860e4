"""Chat flood control: at most ``CHAT_RATE_LIMIT`` messages per user per session.

One moving window per (user, session), shared by the socket and REST paths and,
with ``REDIS_URL`` set, by every server process. While Redis does not answer, the
count falls back to this process's memory (a warning is logged once per outage), as
Flask-Limiter does for the REST limits: chat keeps working, each process counting
on its own, and Redis is used again as soon as it answers.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from flask import current_app
from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from plataforma.errors import RateLimited

log = logging.getLogger(__name__)

_EXTENSION = "plataforma.flood"
_lock = threading.Lock()
_fallback = MovingWindowRateLimiter(storage_from_string("memory://"))
_outage = {"logged": False}


def _limiter():
    app = current_app._get_current_object()
    spec = app.config["CHAT_RATE_LIMIT"]
    state = app.extensions.get(_EXTENSION)
    if state is not None and state[0] == spec:
        return state[1], state[2]
    with _lock:
        state = app.extensions.get(_EXTENSION)
        if state is not None and state[0] == spec:
            return state[1], state[2]
        url = app.config.get("REDIS_URL")
        if url:
            prefix = f"{app.config['RATELIMIT_KEY_PREFIX']}:chat"
            storage = storage_from_string(url, key_prefix=prefix, wrap_exceptions=True)
        else:
            storage = storage_from_string("memory://")
        state = (spec, parse(spec), MovingWindowRateLimiter(storage))
        app.extensions[_EXTENSION] = state
        return state[1], state[2]


def check_chat_rate(user_id, session_id) -> None:
    """Count one message; RateLimited (with ``retry_after`` seconds) when over the limit."""
    item, limiter = _limiter()
    keys = ("chat", str(session_id), str(user_id))
    try:
        allowed = limiter.hit(item, *keys)
        if _outage["logged"]:
            _outage["logged"] = False
            log.info("Chat flood control: Redis answers again")
    except StorageError as exc:
        if not _outage["logged"]:
            _outage["logged"] = True
            log.warning("Chat flood control: Redis unreachable, counting in memory: %s", exc)
        limiter = _fallback
        allowed = limiter.hit(item, *keys)
    if allowed:
        return
    try:
        reset_at = limiter.get_window_stats(item, *keys).reset_time
    except StorageError:
        reset_at = time.time() + item.get_expiry()
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise RateLimited(f"Too many messages; wait {retry_after} s before sending again.", retry_after=retry_after)
