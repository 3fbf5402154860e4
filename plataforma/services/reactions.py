"""Reactions (SPEC §10): like, heart, fire, clap — counted, never stored one by one.

A reaction costs no row and no broadcast of its own. :func:`record_reaction` checks it
(visibility, the per-user limit) and adds one to this process's in-memory counters. A
background task per server process (:func:`ensure_started`, not under ``TESTING``; tests
call :func:`run_once`) wakes every second and

* emits one ``reactions {sessionId, counts}`` per room that received reactions since the
  previous round (none for an idle room), so a room hears at most one batch per second
  from each process;
* adds the counts to ``reaction_totals`` with one UPSERT per (session, type)
  (``count = count + n``): several processes' counts add up in the database, and
  ``GET /api/sessions/:id/reactions`` is exact about a second after the last reaction.

If the database cannot be written, the counts stay pending for the next round. A clean stop
(:func:`shutdown`, called by housekeeping's clean stop) writes what is pending; a crash loses
at most the last second of this process's reactions.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, defaultdict

import sqlalchemy as sa
from flask import current_app

from plataforma.errors import NotFound
from plataforma.extensions import db, socketio
from plataforma.models import Profile, ReactionTotal
from plataforma.models.commerce import REACTION_TYPES
from plataforma.services import bans, events, flood, parse_uuid
from plataforma.services.sql import insert_on_conflict
from plataforma.services.visibility import visible_session, visible_session_ids

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
VISIBILITY_SECONDS = 2.0
VISIBILITY_CACHE_MAX = 10_000
_EXTENSION = "plataforma.reactions"
_lock = threading.Lock()


class Aggregator:
    """This process's reactions not yet broadcast / not yet written, per session and type."""

    def __init__(self):
        self.lock = threading.Lock()
        self.unsent: dict = defaultdict(Counter)
        self.unwritten: dict = defaultdict(Counter)
        self.started = False
        # session id -> (valid until, visible to everyone, exists): see _visible_session_id.
        self.visibility: dict = {}

    def add(self, session_id, kind: str, n: int = 1) -> None:
        with self.lock:
            self.unsent[session_id][kind] += n
            self.unwritten[session_id][kind] += n

    def take_unsent(self) -> dict:
        with self.lock:
            taken, self.unsent = self.unsent, defaultdict(Counter)
        return taken

    def take_unwritten(self) -> dict:
        with self.lock:
            taken, self.unwritten = self.unwritten, defaultdict(Counter)
        return taken

    def give_back(self, unwritten: dict) -> None:
        """Counts that could not be written go back, to be written next round."""
        with self.lock:
            for session_id, counts in unwritten.items():
                self.unwritten[session_id].update(counts)


def aggregator(app=None) -> Aggregator:
    app = app or current_app._get_current_object()
    agg = app.extensions.get(_EXTENSION)
    if agg is None:
        with _lock:
            agg = app.extensions.setdefault(_EXTENSION, Aggregator())
    return agg


def counts_of(counter) -> dict:
    """All four types, zeros included, in their fixed order."""
    return {kind: int(counter.get(kind, 0)) for kind in REACTION_TYPES}


# ---------------------------------------------------------------- the rules


def _visible_session_id(agg: Aggregator, actor, session_id) -> uuid.UUID:
    """The session id if ``actor`` may see the session; what the database said is reused for
    ``VISIBILITY_SECONDS``, so a burst of reactions costs no query each (a session that just went
    back to DRAFT takes reactions for at most that long)."""
    session_id = parse_uuid(session_id, "session")
    now = time.monotonic()
    entry = agg.visibility.get(session_id)
    if entry is None or entry[0] <= now:
        public = bool(visible_session_ids([session_id], admin=False))
        exists = public or bool(visible_session_ids([session_id], admin=True))
        if len(agg.visibility) >= VISIBILITY_CACHE_MAX:
            agg.visibility.clear()
        entry = agg.visibility[session_id] = (now + VISIBILITY_SECONDS, public, exists)
    _, public, exists = entry
    if actor.is_guest:
        # A guest sees one event's sessions (SPEC §12): one more query per reaction would defeat the cache,
        # so its answer is cached too, per (session, guest event), for the same time.
        key = (session_id, actor.event_id)
        guest_entry = agg.visibility.get(key)
        if guest_entry is None or guest_entry[0] <= now:
            seen = public and bool(visible_session_ids([session_id], admin=False, guest_event=actor.event_id))
            guest_entry = agg.visibility[key] = (now + VISIBILITY_SECONDS, seen, seen)
        public = exists = guest_entry[1]
    if public or (exists and actor.is_admin):
        return session_id
    raise NotFound("Session not found.")


def record_reaction(actor, session_id, kind: str) -> None:
    """Accept one reaction from ``actor`` (a Profile; on a socket, the connection's cached one) in a session it may
    see (no join needed). Raises NotFound (session not visible) or RateLimited (``REACTION_RATE_LIMIT``
    per user). Nothing is written and nothing is broadcast here: see the module docstring.
    """
    app = current_app._get_current_object()
    agg = aggregator(app)
    session_id = _visible_session_id(agg, actor, session_id)
    bans.check_session(actor, session_id)  # 403 banned; cached per event (no query per reaction)
    flood.check_reaction_rate(actor.id)
    agg.add(session_id, kind)
    ensure_started(app)


def totals(actor: Profile, session_id) -> dict:
    """``{sessionId, totals}``: the durable counts (this process's last second may still be on its way)."""
    session = visible_session(actor, session_id)
    rows = db.session.execute(
        sa.select(ReactionTotal.type, ReactionTotal.count).where(ReactionTotal.session_id == session.id)
    ).all()
    return {"session_id": session.id, "totals": counts_of(dict(rows))}


# ---------------------------------------------------------------- the background round


def broadcast_batches(agg: Aggregator) -> int:
    """One ``reactions`` event per room that received reactions; returns how many were emitted."""
    batches = agg.take_unsent()
    for session_id, counts in batches.items():
        events.reactions(session_id, counts_of(counts))
    return len(batches)


def _upsert(dialect: str):
    statement = insert_on_conflict(ReactionTotal, dialect)
    return statement.on_conflict_do_update(
        index_elements=[ReactionTotal.session_id, ReactionTotal.type],
        set_={"count": ReactionTotal.count + statement.excluded["count"]},
    )


def write_totals(unwritten: dict) -> int:
    """Add counts to ``reaction_totals`` (flushes, does not commit); returns the reactions written.

    Sessions deleted since their reactions arrived are skipped (their totals went with them).
    """
    existing = visible_session_ids(unwritten, admin=True)
    rows = [
        {"session_id": session_id, "type": kind, "count": n}
        for session_id, counts in unwritten.items()
        if session_id in existing
        for kind, n in counts.items()
        if n
    ]
    if rows:
        db.session.execute(_upsert(db.session.get_bind().dialect.name), rows)
    return sum(row["count"] for row in rows)


def flush_totals(agg: Aggregator) -> int:
    """Write and commit what is pending; on failure it stays pending. Returns the reactions written."""
    unwritten = agg.take_unwritten()
    if not unwritten:
        return 0
    try:
        written = write_totals(unwritten)
        db.session.commit()
    except Exception:
        db.session.rollback()
        agg.give_back(unwritten)
        raise
    finally:
        db.session.remove()
    return written


def run_once(app=None) -> dict:
    """One round: broadcast the batches, then write the totals (each runs even if the other failed)."""
    agg = aggregator(app)
    done = {"broadcasts": 0, "written": 0}
    try:
        done["broadcasts"] = broadcast_batches(agg)
    except Exception:
        log.exception("Could not broadcast reactions")
    try:
        done["written"] = flush_totals(agg)
    except Exception:
        log.exception("Could not write reaction totals; they stay pending")
    return done


def ensure_started(app) -> None:
    """Start this process's reaction round (once; never under ``TESTING``)."""
    if app.config.get("TESTING"):
        return
    agg = aggregator(app)
    if agg.started:
        return
    with agg.lock:
        if agg.started:
            return
        agg.started = True
    socketio.start_background_task(_loop, app)


def _loop(app) -> None:
    while True:
        started = time.monotonic()
        with app.app_context():
            run_once(app)
        # Rounds start at least INTERVAL_SECONDS apart: at most one batch per room per second.
        socketio.sleep(max(0.0, started + INTERVAL_SECONDS - time.monotonic()))


def shutdown(app=None) -> int:
    """A clean stop: write what is pending now; returns the reactions written."""
    return flush_totals(aggregator(app))
