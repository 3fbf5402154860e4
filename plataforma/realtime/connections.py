"""Per-connection state, kept in the process that holds the connection.

A Socket.IO ``sid`` lives on exactly one process (sticky sessions), so this
state is process-local on purpose; what other processes must see (viewer
counts, broadcasts) goes through Redis.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field

from flask import current_app

from plataforma.realtime.presence import MemoryPresence, RedisPresence
from plataforma.services import tokens
from plataforma.services.redis import redis_client


@dataclass
class Joined:
    """One session this connection has joined: its room and its attendance visit."""

    session_id: uuid.UUID
    event_id: uuid.UUID
    view_id: uuid.UUID


@dataclass
class Connection:
    sid: str
    user_id: uuid.UUID  # a guest's: the GUEST token's id
    jti: str | None
    expires_at: float | None
    # A guest connection (SPEC §12): the one event its token is good for; None for users.
    guest_event_id: uuid.UUID | None = None
    joined: dict[uuid.UUID, Joined] = field(default_factory=dict)
    # Serialises join / leave / disconnect of this connection (handlers run concurrently).
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Set (under ``lock``) by the disconnect handler: nothing may join on this connection afterwards.
    closed: bool = False
    # Times of the recent join_session / leave_session events (flood control).
    room_events: deque = field(default_factory=deque)
    # Times of the recent events of any kind (SOCKET_EVENT_BUDGET) and refusals in a row.
    events: deque = field(default_factory=deque)
    refused: int = 0
    # The user's profile as last read (a detached copy) and when (see guard.current_actor).
    actor: object | None = None
    actor_loaded_at: float = 0.0
    actor_generation: int = -1
    # Events read but not yet handled (only while there are some: memory per idle socket counts),
    # and whether a green thread is handling them, one at a time (see ``packets``).
    inbox: deque | None = None
    handling: bool = False
    # Its chat messages handed over for storing and not yet answered, oldest first (see ``packets``).
    storing: list | None = None

    def queue_event(self, event) -> bool:
        """Queue an event read from the socket; True when the caller must start the handler."""
        with self.lock:
            if self.inbox is None:
                self.inbox = deque()
            self.inbox.append(event)
            start, self.handling = not self.handling, True
            return start

    def next_event(self):
        """The next queued event, or None (and the handler ends) when there is none."""
        with self.lock:
            if self.inbox:
                return self.inbox.popleft()
            self.inbox, self.handling = None, False
            return None

    def is_expired(self, now: float | None = None) -> bool:
        return tokens.is_expired(self.expires_at, now)


class Registry:
    """This process's open connections, by sid, with each user's count kept as they open and close
    (``count_user`` is asked on every connect: a scan of all connections made a ramp of N sockets
    cost O(N²))."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connections: dict[str, Connection] = {}
        self._per_user: Counter[uuid.UUID] = Counter()

    def add(self, conn: Connection) -> bool:
        """Register a new connection; False (and nothing changes) if its sid is already registered."""
        with self._lock:
            if conn.sid in self._connections:
                return False
            self._connections[conn.sid] = conn
            self._per_user[conn.user_id] += 1
            return True

    def get(self, sid: str) -> Connection | None:
        with self._lock:
            return self._connections.get(sid)

    def pop(self, sid: str) -> Connection | None:
        with self._lock:
            conn = self._connections.pop(sid, None)
            if conn is not None:
                self._per_user[conn.user_id] -= 1
                if not self._per_user[conn.user_id]:
                    del self._per_user[conn.user_id]
            return conn

    def count_user(self, user_id) -> int:
        with self._lock:
            return self._per_user[user_id]

    def all(self) -> list[Connection]:
        with self._lock:
            return list(self._connections.values())


def init_app(app) -> None:
    app.extensions["plataforma.connections"] = Registry()
    client = redis_client(app)
    app.extensions["plataforma.presence"] = (
        MemoryPresence()
        if client is None
        else RedisPresence(client, prefix=f"{app.config['SOCKETIO_CHANNEL']}:viewers")
    )


def registry() -> Registry:
    return current_app.extensions["plataforma.connections"]


def presence() -> MemoryPresence | RedisPresence:
    return current_app.extensions["plataforma.presence"]
