"""Chat messages that arrive together are stored together: one transaction for a batch (group commit).

Under load many ``send_message`` events wait on the database at the same time, each in a transaction
of its own: ``BEGIN``, the session's settings, the webhooks, the insert, the event log, ``COMMIT`` (six
round trips, and the pool's and the session's bookkeeping around them). Here the first event to
arrive becomes the *leader*: it takes every message queued so far (up to :data:`BATCH_MAX`, its own
first) and stores them in one transaction, each checked as if it came alone
(:func:`~plataforma.services.chat.post_messages`); meanwhile the next messages queue. When it is
done, every message of the batch gets its outcome and the oldest waiting message, if any, leads the
next batch. A message that arrives when nothing is in flight leads at once, after one yield to the
event loop (:func:`gather`): the messages read in the same turn (a busy hub reads many sockets per
turn) join its batch instead of waiting for it: a saturated server ran almost a third fewer
transactions (docs/realtime.md). No timer: an idle server adds no latency.

One connection's messages join a batch too (:func:`pipelined`): its events are handled one at a time,
in order (``packets``), but the handler of a ``send_message`` lets the next of that socket's events
start as soon as its message is in the queue, so a burst from one socket (a client flushing what it
buffered while offline, a generator falling behind) is stored in a few batches, in the order read,
instead of one transaction per message.

Each event's acknowledgement still comes after the commit that stored its message. A message that a
check refuses (a ban, slow mode, flood control…) gets its own error and the others are stored; an
error of the transaction itself (the database unreachable) answers every message of the batch with
it, as it would have answered each of them alone.

Green threads under eventlet (``threading`` is monkey-patched), real threads in the tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BATCH_MAX = 32
_LEAD = object()  # the outcome that hands a waiting message the next batch
_queued = threading.local()  # ``event``: what :func:`pipelined` waits on in this (green) thread


def pipelined(run: Callable[[], Any], queued: threading.Event) -> None:
    """``run()`` in this (green) thread, with ``queued`` set as soon as a post it submits is in a
    batcher's queue, or when ``run`` ends (it submitted nothing: refused first, or another event)."""
    _queued.event = queued
    try:
        run()
    finally:
        _queued.event = None
        queued.set()


def gather() -> None:
    """What a new leader does before it takes its batch: yield once (under eventlet, to the end of the
    hub's run queue, behind the events read in the same turn; with threads, the rest of its slice)."""
    time.sleep(0)


@dataclass(eq=False)
class Post:
    """One message waiting: its ``outcome`` is the acknowledgement's data or an exception."""

    actor: Any
    session_id: str
    text: str
    outcome: Any = None
    done: threading.Event = field(default_factory=threading.Event)


class Batcher:
    """Hands the posts submitted while a batch is in flight to ``run(batch)`` together; ``run`` sets
    every post's ``outcome``."""

    def __init__(self, run: Callable[[list[Post]], None], limit: int = BATCH_MAX, gather=gather):
        self._run = run
        self.limit = limit
        self._gather = gather
        self._lock = threading.Lock()
        self._queue: list[Post] = []
        self._busy = False  # a leader is running; while False, the queue is empty

    def submit(self, post: Post):
        """Store ``post`` with whatever arrives meanwhile; its outcome, or raise its exception."""
        with self._lock:
            self._queue.append(post)
            lead, self._busy = not self._busy, True
        queued = getattr(_queued, "event", None)
        if queued is not None:  # the connection's next event may start: it comes after this post
            queued.set()
        if lead:  # nothing in flight: what arrives meanwhile joins this batch
            self._gather()
        else:
            post.done.wait()
            lead = post.outcome is _LEAD
        if lead:  # the post is first in the queue
            post.outcome = None
            self._lead()
        if isinstance(post.outcome, BaseException):
            raise post.outcome
        return post.outcome

    def _lead(self) -> None:
        with self._lock:
            batch = self._queue[: self.limit]
            del self._queue[: self.limit]
        try:
            self._run(batch)
        except Exception as exc:  # run() answers its own errors; this is a bug of its own
            for post in batch:
                post.outcome = post.outcome if post.outcome is not None else exc
            raise
        finally:
            for post in batch:
                if post.outcome is None:  # run() did not get to it (it raised, or was killed)
                    post.outcome = RuntimeError("The message's batch was abandoned.")
            for post in batch[1:]:
                post.done.set()
            with self._lock:
                if self._queue:
                    self._queue[0].outcome = _LEAD
                    self._queue[0].done.set()
                else:
                    self._busy = False
