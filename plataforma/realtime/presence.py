"""Viewer counts: distinct users per session room, across every server process.

A user with two tabs (two connections) counts once. Without Redis the counts
live in this process (one process is the whole deployment). With Redis they
live there, so several processes behind a load balancer agree:

* ``<prefix>:s:<session>``          hash user -> connections, all processes (count = HLEN)
* ``<prefix>:p:<proc>:<session>``   hash user -> connections opened on process ``proc``
* ``<prefix>:p:<proc>:sessions``    set of sessions ``proc`` has connections in
* ``<prefix>:procs``                sorted set proc -> time of its last heartbeat

Every change is one Lua script, so it is atomic. Each process heartbeats every
``HEARTBEAT_SECONDS``; any process may reap one whose heartbeat is older than
``DEAD_AFTER_SECONDS``: its per-process hashes are subtracted from the global
ones and deleted, so a crashed process does not leave viewers behind. A process
that finds itself reaped (a long stall) re-publishes its own connections.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, defaultdict

HEARTBEAT_SECONDS = 10
DEAD_AFTER_SECONDS = 30

_JOIN = """
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return redis.call('HLEN', KEYS[1])
"""

_LEAVE = """
local mine = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if mine <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
if mine >= 0 then
  local all = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
  if all <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
end
return redis.call('HLEN', KEYS[1])
"""

# ARGV: prefix, cutoff. Returns the sessions whose counts changed.
_REAP = """
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local touched = {}
for _, proc in ipairs(dead) do
  local skey = ARGV[1] .. ':p:' .. proc .. ':sessions'
  for _, session in ipairs(redis.call('SMEMBERS', skey)) do
    local pkey = ARGV[1] .. ':p:' .. proc .. ':' .. session
    local gkey = ARGV[1] .. ':s:' .. session
    local flat = redis.call('HGETALL', pkey)
    for i = 1, #flat, 2 do
      local left = redis.call('HINCRBY', gkey, flat[i], -tonumber(flat[i + 1]))
      if left <= 0 then redis.call('HDEL', gkey, flat[i]) end
    end
    redis.call('DEL', pkey)
    table.insert(touched, session)
  end
  redis.call('DEL', skey)
  redis.call('ZREM', KEYS[1], proc)
end
return touched
"""

# Set this process's share of one session to ARGV[2..] (user, n pairs), fixing the global hash by the difference.
_REPUBLISH = """
for i = 2, #ARGV, 2 do
  local user, n = ARGV[i], tonumber(ARGV[i + 1])
  local delta = n - tonumber(redis.call('HGET', KEYS[2], user) or '0')
  redis.call('HSET', KEYS[2], user, n)
  if delta ~= 0 then
    local all = redis.call('HINCRBY', KEYS[1], user, delta)
    if all <= 0 then redis.call('HDEL', KEYS[1], user) end
  end
end
redis.call('SADD', KEYS[3], ARGV[1])
return redis.call('HLEN', KEYS[1])
"""


class MemoryPresence:
    """Counts for a single process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rooms: dict[str, Counter] = defaultdict(Counter)

    def add(self, session_id, user_id) -> int:
        with self._lock:
            room = self._rooms[str(session_id)]
            room[str(user_id)] += 1
            return len(room)

    def remove(self, session_id, user_id) -> int:
        with self._lock:
            key = str(session_id)
            room = self._rooms.get(key)
            if room is None:
                return 0
            room[str(user_id)] -= 1
            if room[str(user_id)] <= 0:
                del room[str(user_id)]
            if not room:
                del self._rooms[key]
                return 0
            return len(room)

    def count(self, session_id) -> int:
        with self._lock:
            return len(self._rooms.get(str(session_id), ()))

    def heartbeat(self) -> list[str]:
        return []


class RedisPresence:
    """Counts shared by every process through Redis (see the module docstring)."""

    def __init__(self, client, prefix: str, proc: str | None = None):
        self.redis = client
        self.prefix = prefix
        self.proc = proc or uuid.uuid4().hex
        self._join = client.register_script(_JOIN)
        self._leave = client.register_script(_LEAVE)
        self._reap = client.register_script(_REAP)
        self._republish_script = client.register_script(_REPUBLISH)
        # This process's own connections, to re-publish them if it was reaped.
        self._lock = threading.Lock()
        self._mine: dict[str, Counter] = defaultdict(Counter)

    def _keys(self, session: str) -> list[str]:
        p = self.prefix
        return [f"{p}:s:{session}", f"{p}:p:{self.proc}:{session}", f"{p}:p:{self.proc}:sessions", f"{p}:procs"]

    def add(self, session_id, user_id) -> int:
        session, user = str(session_id), str(user_id)
        with self._lock:
            self._mine[session][user] += 1
        return int(self._join(keys=self._keys(session), args=[user, session, self.proc, time.time()]))

    def remove(self, session_id, user_id) -> int:
        session, user = str(session_id), str(user_id)
        with self._lock:
            room = self._mine.get(session)
            if room is not None:
                room[user] -= 1
                if room[user] <= 0:
                    del room[user]
                if not room:
                    del self._mine[session]
        return int(self._leave(keys=self._keys(session), args=[user, session]))

    def count(self, session_id) -> int:
        return int(self.redis.hlen(f"{self.prefix}:s:{session_id}"))

    def heartbeat(self, now: float | None = None) -> list[str]:
        """Mark this process alive, reap dead ones; returns the sessions whose counts changed."""
        now = time.time() if now is None else now
        touched = set(self._reap(keys=[f"{self.prefix}:procs"], args=[self.prefix, now - DEAD_AFTER_SECONDS]))
        was_reaped = self.redis.zadd(f"{self.prefix}:procs", {self.proc: now}) == 1
        if was_reaped:
            touched.update(self._republish())
        return sorted(touched)

    def _republish(self) -> list[str]:
        with self._lock:
            mine = {session: dict(room) for session, room in self._mine.items()}
        for session, room in mine.items():
            pairs = [item for user, n in room.items() for item in (user, n)]
            self._republish_script(keys=self._keys(session), args=[session, *pairs])
        return list(mine)
