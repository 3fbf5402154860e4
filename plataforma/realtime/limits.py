"""SPEC §17 socket limits: an event budget per connection and a cap on a user's open sockets.

The budget (``SOCKET_EVENT_BUDGET``, default 50 per 5 s) is a moving window kept on the
connection, in memory, and checked by ``packets`` as each packet is read, before a handler
is even started (let alone the database or Redis): a flood from one socket costs a decode and
a deque operation per event, and its refusals are acknowledged inline. A socket that goes on
for more than ``DISCONNECT_FACTOR`` budgets' worth of refused events is disconnected, and the
rest of what it already sent is dropped unread.

The cap (``MAX_SOCKETS_PER_USER``, default 10) counts a user's open sockets across processes:
with Redis, a sorted set per user whose members (socket ids) carry an expiry score that this
process's heartbeat renews, so the sockets of a process that died stop counting on their own;
without Redis, the connections this process holds.
"""

from __future__ import annotations

import functools
import math
import time
from collections import deque

from flask import current_app
from limits import parse

from plataforma.errors import RateLimited
from plataforma.realtime.presence import HEARTBEAT_SECONDS
from plataforma.services.redis import redis_client

DISCONNECT_FACTOR = 4
# A socket counts for this long unless its process renews it (several missed heartbeats).
SOCKET_TTL_SECONDS = 3 * HEARTBEAT_SECONDS

_parse_limit = functools.lru_cache(maxsize=8)(parse)


class BudgetExhausted(RateLimited):
    """Far past the budget: answer, then disconnect."""


def hit(events: deque, spec: str, now: float | None = None) -> int | None:
    """Count one event in the moving window ``events``; None if allowed, else seconds to wait."""
    item = _parse_limit(spec)
    window = item.get_expiry()
    now = time.monotonic() if now is None else now
    while events and events[0] <= now - window:
        events.popleft()
    if len(events) >= item.amount:
        return max(1, math.ceil(events[0] + window - now))
    events.append(now)
    return None


def check_event_budget(conn, spec: str) -> None:
    """RateLimited past the budget ``spec``; BudgetExhausted far past it. No I/O."""
    with conn.lock:
        retry_after = hit(conn.events, spec)
        if retry_after is None:
            conn.refused = 0
            return
        conn.refused += 1
        refused = conn.refused
    message = f"Too many events on this connection; wait {retry_after} s."
    if refused > DISCONNECT_FACTOR * _parse_limit(spec).amount:
        raise BudgetExhausted(message, retry_after=retry_after)
    raise RateLimited(message, retry_after=retry_after)


# ---------------------------------------------------------------- sockets per user

# KEYS[1] the user's set; ARGV: now, expiry of the new member, the member, the cap.
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2] - ARGV[1]) + 1)
return 1
"""


def _key(user_id) -> str:
    return f"{current_app.config['SOCKETIO_CHANNEL']}:sockets:{user_id}"


def claim_socket(user_id, sid: str, open_here: int) -> bool:
    """Count a new socket of ``user_id``; False when the user already has the maximum open.

    ``open_here``: the user's sockets registered in this process (used without Redis)."""
    cap = int(current_app.config["MAX_SOCKETS_PER_USER"])
    client = redis_client()
    if client is None:
        return open_here < cap
    now = time.time()
    return bool(client.eval(_CLAIM, 1, _key(user_id), now, now + SOCKET_TTL_SECONDS, sid, cap))


def release_socket(user_id, sid: str) -> None:
    client = redis_client()
    if client is not None:
        client.zrem(_key(user_id), sid)


def renew_sockets(conns) -> None:
    """Heartbeat: push the expiry of this process's sockets forward (one round trip)."""
    client = redis_client()
    if client is None or not conns:
        return
    expiry = time.time() + SOCKET_TTL_SECONDS
    pipe = client.pipeline(transaction=False)
    for conn in conns:
        pipe.zadd(_key(conn.user_id), {conn.sid: expiry}, xx=True)
        pipe.expire(_key(conn.user_id), SOCKET_TTL_SECONDS + 1)
    pipe.execute()
