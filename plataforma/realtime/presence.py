"""Viewer counts: distinct users per session room, across every server process.

A user with two tabs (two connections) counts once. Without Redis the counts
live in this process (one process is the whole deployment). With Redis they
live there, so several processes behind a load balancer agree:

* ``<prefix>:s:<session>``          hash user -> connections, all processes (count = HLEN)
* ``<prefix>:p:<proc>:<session>``   hash user -> connections opened on process ``proc``
* ``<prefix>:p:<proc>:sessions``    set of sessions ``proc`` has connections in
* ``<prefix>:procs``                sorted set proc -> time of its last heartbeat
* ``<prefix>:p:<proc>:alive``       marker set by ``proc``'s heartbeat, deleted when it is reaped

Every change is one Lua script, so it is atomic. Each process heartbeats every
``HEARTBEAT_SECONDS``; any process may reap one whose heartbeat is older than
``DEAD_AFTER_SECONDS``: its per-process hashes are subtracted from the global
ones and deleted, so a crashed process does not leave viewers behind. A process
whose marker is gone at its heartbeat was reaped (a long stall) and re-publishes
its own connections; so does one whose Redis call failed (its share may be off).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, defaultdict

HEARTBEAT_SECONDS = 10
DEAD_AFTER_SECONDS = 30

# KEYS: global hash, this process's hash, this process's session set, procs. ARGV: user, session, proc, now.
# Returns {count, changed}: changed = the user was not in the room before (the distinct count went up).
# A process joining before its first heartbeat registers itself (NX), so it can be reaped if it dies
# before heartbeating; NX never refreshes an existing score, and reaping is detected by the marker key
# (see _BEAT), so a join does not hide that this process was reaped.
_JOIN = """
local all = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[4], 'NX', ARGV[4], ARGV[3])
if all == 1 then return {redis.call('HLEN', KEYS[1]), 1} end
return {redis.call('HLEN', KEYS[1]), 0}
"""

# Same KEYS; ARGV: user, session. Returns {count, changed}: changed = the user left the room.
_LEAVE = """
local changed = 0
local mine = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if mine <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
if mine >= 0 then
  local all = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
  if all <= 0 then
    redis.call('HDEL', KEYS[1], ARGV[1])
    changed = 1
  end
end
return {redis.call('HLEN', KEYS[1]), changed}
"""

# KEYS: procs. ARGV: prefix, cutoff[, proc]. Reaps the processes whose heartbeat is at or before
# cutoff (or exactly ``proc``, on a clean shutdown); returns the sessions whose counts changed.
_REAP = """
local dead
if ARGV[3] then dead = {ARGV[3]} else dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2]) end
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
  redis.call('DEL', ARGV[1] .. ':p:' .. proc .. ':alive')
  redis.call('ZREM', KEYS[1], proc)
end
return touched
"""

# KEYS: procs, this process's marker. ARGV: proc, now. Returns 1 if the marker was there: 0 means this
# process was reaped since its last heartbeat (or never heartbeat), so its share must be re-published.
_BEAT = """
local alive = redis.call('EXISTS', KEYS[2])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return alive
"""

# KEYS: global hash, this process's hash, this process's session set. ARGV: session, then user, n pairs.
# Makes this process's share of the session exactly the given pairs (users not listed: 0), fixing the
# global hash by the differences.
_REPUBLISH = """
local desired = {}
for i = 2, #ARGV, 2 do desired[ARGV[i]] = tonumber(ARGV[i + 1]) end
local current = redis.call('HGETALL', KEYS[2])
for i = 1, #current, 2 do
  if desired[current[i]] == nil then desired[current[i]] = 0 end
end
for user, n in pairs(desired) do
  local delta = n - tonumber(redis.call('HGET', KEYS[2], user) or '0')
  if n > 0 then redis.call('HSET', KEYS[2], user, n) else redis.call('HDEL', KEYS[2], user) end
  if delta ~= 0 then
    local all = redis.call('HINCRBY', KEYS[1], user, delta)
    if all <= 0 then redis.call('HDEL', KEYS[1], user) end
  end
end
if redis.call('HLEN', KEYS[2]) > 0 then
  redis.call('SADD', KEYS[3], ARGV[1])
else
  redis.call('SREM', KEYS[3], ARGV[1])
end
return redis.call('HLEN', KEYS[1])
"""


class MemoryPresence:
    """Counts for a single process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rooms: dict[str, Counter] = defaultdict(Counter)

    def join(self, session_id, user_id) -> tuple[int, bool]:
        """One more connection of the user in the room: (distinct count, whether it changed)."""
        with self._lock:
            room = self._rooms[str(session_id)]
            room[str(user_id)] += 1
            return len(room), room[str(user_id)] == 1

    def leave(self, session_id, user_id) -> tuple[int, bool]:
        """One connection fewer: (distinct count, whether it changed); never negative."""
        with self._lock:
            key, user = str(session_id), str(user_id)
            room = self._rooms.get(key)
            if room is None or user not in room:
                return (len(room) if room else 0), False
            room[user] -= 1
            changed = room[user] <= 0
            if changed:
                del room[user]
            if not room:
                del self._rooms[key]
                return 0, changed
            return len(room), changed

    def add(self, session_id, user_id) -> int:
        return self.join(session_id, user_id)[0]

    def remove(self, session_id, user_id) -> int:
        return self.leave(session_id, user_id)[0]

    def count(self, session_id) -> int:
        with self._lock:
            return len(self._rooms.get(str(session_id), ()))

    def connections(self, pairs) -> dict[tuple[str, str], int]:
        """Open connections of each (session, user) over the whole deployment (this process)."""
        with self._lock:
            return {(str(s), str(u)): self._rooms.get(str(s), {}).get(str(u), 0) for s, u in pairs}

    def heartbeat(self) -> list[str]:
        return []

    def claim(self, name: str, seconds: float) -> bool:
        """Whether this process should do a deployment-wide chore now (it is the whole deployment)."""
        return True

    def shutdown(self) -> list[str]:
        with self._lock:
            self._rooms.clear()
        return []


class RedisPresence:
    """Counts shared by every process through Redis (see the module docstring).

    ``_mine`` is this process's own share, the truth that Redis is brought back to after this
    process was reaped or after a Redis call failed (``_dirty``): a join counts in it only once
    its script succeeded (a failed join does not join), a leave always (the connection has left
    whatever Redis answered). The lock covers each script and its ``_mine`` update together, so
    a re-publication never sends a share that a concurrent join or leave is changing.
    """

    def __init__(self, client, prefix: str, proc: str | None = None):
        self.redis = client
        self.prefix = prefix
        self.proc = proc or uuid.uuid4().hex
        self._join = client.register_script(_JOIN)
        self._leave = client.register_script(_LEAVE)
        self._reap = client.register_script(_REAP)
        self._beat = client.register_script(_BEAT)
        self._republish_script = client.register_script(_REPUBLISH)
        self._lock = threading.RLock()
        self._mine: dict[str, Counter] = defaultdict(Counter)
        self._dirty = False

    def _keys(self, session: str) -> list[str]:
        p = self.prefix
        return [f"{p}:s:{session}", f"{p}:p:{self.proc}:{session}", f"{p}:p:{self.proc}:sessions", f"{p}:procs"]

    def join(self, session_id, user_id) -> tuple[int, bool]:
        session, user = str(session_id), str(user_id)
        with self._lock:
            try:
                count, changed = self._join(keys=self._keys(session), args=[user, session, self.proc, time.time()])
            except Exception:
                self._dirty = True  # it may have run (a timeout): re-publish at the next heartbeat
                raise
            self._mine[session][user] += 1
        return int(count), bool(changed)

    def leave(self, session_id, user_id) -> tuple[int, bool]:
        session, user = str(session_id), str(user_id)
        with self._lock:
            room = self._mine.get(session)
            if room is not None and user in room:
                room[user] -= 1
                if room[user] <= 0:
                    del room[user]
                if not room:
                    del self._mine[session]
            try:
                count, changed = self._leave(keys=self._keys(session), args=[user, session])
            except Exception:
                self._dirty = True
                raise
        return int(count), bool(changed)

    def add(self, session_id, user_id) -> int:
        return self.join(session_id, user_id)[0]

    def remove(self, session_id, user_id) -> int:
        return self.leave(session_id, user_id)[0]

    def count(self, session_id) -> int:
        return int(self.redis.hlen(f"{self.prefix}:s:{session_id}"))

    def connections(self, pairs) -> dict[tuple[str, str], int]:
        """Open connections of each (session, user) over every live process."""
        pairs = [(str(s), str(u)) for s, u in pairs]
        pipe = self.redis.pipeline(transaction=False)
        for session, user in pairs:
            pipe.hget(f"{self.prefix}:s:{session}", user)
        return {pair: int(n or 0) for pair, n in zip(pairs, pipe.execute(), strict=True)}

    def claim(self, name: str, seconds: float) -> bool:
        """True for one process per ``seconds`` (a deployment-wide chore such as the orphan visit sweep)."""
        return bool(self.redis.set(f"{self.prefix}:chore:{name}", self.proc, nx=True, ex=max(1, int(seconds))))

    def heartbeat(self, now: float | None = None) -> list[str]:
        """Mark this process alive, reap dead ones; returns the sessions whose counts changed."""
        now = time.time() if now is None else now
        procs = f"{self.prefix}:procs"
        touched = set(self._reap(keys=[procs], args=[self.prefix, now - DEAD_AFTER_SECONDS]))
        alive = self._beat(keys=[procs, f"{self.prefix}:p:{self.proc}:alive"], args=[self.proc, now])
        if not alive or self._dirty:
            touched.update(self._republish())
        return sorted(touched)

    def _republish(self) -> list[str]:
        """Set this process's share in Redis to ``_mine`` (after being reaped, or after an error)."""
        with self._lock:
            self._dirty = False
            try:
                sessions = set(self._mine) | set(self.redis.smembers(f"{self.prefix}:p:{self.proc}:sessions"))
                for session in sessions:
                    room = self._mine.get(session, {})
                    pairs = [item for user, n in room.items() for item in (user, n)]
                    self._republish_script(keys=self._keys(session)[:3], args=[session, *pairs])
            except Exception:
                self._dirty = True
                raise
        return sorted(sessions)

    def shutdown(self) -> list[str]:
        """A clean stop: take this process's share out now instead of after DEAD_AFTER_SECONDS."""
        with self._lock:
            self._mine.clear()
            return list(self._reap(keys=[f"{self.prefix}:procs"], args=[self.prefix, 0, self.proc]))
