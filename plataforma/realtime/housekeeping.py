"""A background task per server process: heartbeat, token and visibility sweeps, orphan visits.

Every ``HEARTBEAT_SECONDS`` (10 s) it

* marks this process alive in Redis and reaps processes that stopped heartbeating (their
  viewers no longer count; the rooms concerned get a fresh ``viewer_count``);
* disconnects the sockets of this process whose token has been revoked (signout) or has
  expired since they connected, so a token loses even a passive socket without waiting for
  its next event;
* takes non-admin sockets out of the rooms of sessions they may no longer see (the project went
  back to DRAFT, the session was deleted): they get ``session_unavailable`` and stop receiving;
* every ``VISIT_SWEEP_SECONDS`` (60 s; at start-up first), closes the orphan visits: open
  ``session_views`` rows that no live connection holds (their process crashed). See
  :func:`close_orphan_visits`;
* every ``EVENT_SWEEP_SECONDS`` (5 min), deletes the session event log entries older than
  ``EVENT_RETENTION_HOURS`` (48 h; SPEC §16), one process per deployment.

Not started under ``TESTING``: tests call :func:`run_once` themselves. :func:`shutdown` is the
clean-stop counterpart (``wsgi.py`` calls it on SIGTERM / SIGINT).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

import sqlalchemy as sa
from flask import current_app

from plataforma.extensions import db, socketio
from plataforma.models import Profile, SessionView
from plataforma.models.users import Role
from plataforma.realtime import actors, limits
from plataforma.realtime.connections import presence, registry
from plataforma.realtime.presence import HEARTBEAT_SECONDS
from plataforma.realtime.visits import end_visits, leave_visits
from plataforma.services import bans, commit, event_log, events, reactions, tokens, visibility

log = logging.getLogger(__name__)

_lock = threading.Lock()
_STARTED = "plataforma.housekeeping"
_LAST_VISIT_SWEEP = "plataforma.housekeeping.visit_sweep_at"
JTI_BATCH = 500
EVENT_SWEEP_SECONDS = 300
_LAST_EVENT_SWEEP = "plataforma.housekeeping.event_sweep_at"


def ensure_started(app) -> None:
    if app.config.get("TESTING") or app.extensions.get(_STARTED):
        return
    with _lock:
        if app.extensions.get(_STARTED):
            return
        app.extensions[_STARTED] = True
    socketio.start_background_task(_loop, app)
    socketio.start_background_task(actors.listen, app)
    bans.ensure_listening(app)  # evictions of banned users decided on other processes (Redis)


def _loop(app) -> None:
    while True:
        with app.app_context():
            try:
                run_once()
            except Exception:
                log.exception("Realtime housekeeping failed")
            finally:
                db.session.remove()
        socketio.sleep(HEARTBEAT_SECONDS)


def run_once() -> dict:
    """One round; returns what it did (for tests and logs). Each step runs even if another failed."""
    done: dict = {"recounted": [], "disconnected": [], "removed": [], "orphans_closed": 0, "events_pruned": 0}
    steps = (
        ("recounted", heartbeat),
        ("disconnected", sweep_tokens),
        ("removed", sweep_hidden_rooms),
        ("orphans_closed", _sweep_orphans_if_due),
        ("events_pruned", _prune_events_if_due),
    )
    for key, step in steps:
        try:
            done[key] = step()
        except Exception:
            db.session.rollback()
            log.exception("Realtime housekeeping: %s failed", step.__name__)
        finally:
            db.session.remove()
    return done


def heartbeat() -> list[str]:
    limits.renew_sockets(registry().all())  # this process's sockets keep counting (MAX_SOCKETS_PER_USER)
    touched = presence().heartbeat()
    for session_id in touched:
        events.viewer_count(session_id, presence().count(session_id))
    return touched


# ---------------------------------------------------------------- tokens


def sweep_tokens() -> list[str]:
    """Disconnect this process's sockets whose token has been revoked or has expired; returns their sids."""
    now = time.time()
    by_jti: dict[str, list[str]] = {}
    gone: list[str] = []
    for conn in registry().all():
        if conn.closed:
            continue
        if conn.is_expired(now):
            gone.append(conn.sid)
        elif conn.jti:
            by_jti.setdefault(conn.jti, []).append(conn.sid)
    for jti in tokens.revoked_ids(by_jti, batch=JTI_BATCH):
        gone.extend(by_jti[jti])
    for sid in gone:
        try:
            socketio.server.disconnect(sid, namespace="/")
        except Exception:
            log.debug("Could not disconnect %s", sid, exc_info=True)
    return gone


# ---------------------------------------------------------------- visibility


def sweep_hidden_rooms() -> list[tuple[str, str]]:
    """Take sockets out of the rooms of sessions they may no longer see; returns (sid, session) pairs.

    Membership is checked at join; this re-checks it every round for the sessions this process's
    sockets have joined (two queries for all of them), so an attendee stops receiving a session's
    events at most ``HEARTBEAT_SECONDS`` after its project went back to DRAFT (or it was deleted).
    """
    conns = [conn for conn in registry().all() if conn.joined and not conn.closed]
    if not conns:
        return []
    session_ids = {session_id for conn in conns for session_id in list(conn.joined)}
    user_ids = list({conn.user_id for conn in conns})
    admins = set()
    for start in range(0, len(user_ids), JTI_BATCH):
        batch = user_ids[start : start + JTI_BATCH]
        query = sa.select(Profile.id).where(Profile.id.in_(batch), Profile.role == Role.ADMIN)
        admins.update(db.session.scalars(query))
    public = visibility.visible_session_ids(session_ids, admin=False)
    existing = public
    if admins:  # admins see DRAFT projects too: only a deleted session is gone for them
        existing = public | visibility.visible_session_ids(session_ids - public, admin=True)
    # Guests see their event's sessions while it allows guests (SPEC §12): one query per guest event.
    for_guests = {
        event_id: visibility.visible_session_ids(public, admin=False, guest_event=event_id)
        for event_id in {conn.guest_event_id for conn in conns if conn.guest_event_id is not None}
    }
    db.session.remove()

    removed: list[tuple[str, str]] = []
    for conn in conns:
        if conn.guest_event_id is not None:
            allowed = for_guests[conn.guest_event_id]
        else:
            allowed = existing if conn.user_id in admins else public
        with conn.lock:
            if conn.closed:
                continue
            gone = [conn.joined.pop(session_id) for session_id in list(conn.joined) if session_id not in allowed]
            for visit in gone:
                for room in (events.session_room(visit.session_id), events.moderators_room(visit.session_id)):
                    try:
                        socketio.server.leave_room(conn.sid, room, namespace="/")
                    except Exception:
                        log.debug("Could not take %s out of %s", conn.sid, room, exc_info=True)
        if not gone:
            continue
        for visit in gone:
            removed.append((conn.sid, str(visit.session_id)))
            events.session_unavailable(conn.sid, visit.session_id)
        leave_visits(conn, gone)
    return removed


# ---------------------------------------------------------------- orphan visits


def _chore_due(key: str, name: str, interval: float) -> bool:
    """Whether a deployment-wide chore runs here now: not within ``interval`` of this process's last
    run, and no other process claimed it within the interval."""
    app = current_app._get_current_object()
    now = time.monotonic()
    last = app.extensions.get(key)
    if last is not None and now - last < interval:
        return False
    app.extensions[key] = now
    return presence().claim(name, interval)


def _sweep_orphans_if_due() -> int:
    interval = float(current_app.config["VISIT_SWEEP_SECONDS"])
    return close_orphan_visits() if _chore_due(_LAST_VISIT_SWEEP, "visit-sweep", interval) else 0


def close_orphan_visits() -> int:
    """Close the open visits that no live connection holds; returns how many.

    A visit is open from join to leave/disconnect. A process that crashed (or was killed) never
    closed its visits. Without a schema change there is no process id on a visit, so the
    orphans are found by counting: for each (session, user), the open visits beyond the user's
    live connections to that session (the viewer counts: in Redis, over every live process once
    the dead ones are reaped; without Redis, this process, which is then the whole deployment,
    so at start-up every open visit is an orphan) are orphans, the oldest first. They are closed
    now (``left_at`` = the sweep time: watch time up to the sweep is counted) and the user's
    attendance row is recomputed. A join counts its viewer before it opens its visit, so a visit
    being opened is never taken for an orphan.
    """
    rows = db.session.execute(
        sa.select(SessionView.id, SessionView.session_id, sa.func.coalesce(SessionView.user_id, SessionView.guest_id))
        .where(SessionView.left_at.is_(None))
        .order_by(SessionView.joined_at, SessionView.id)
    ).all()
    db.session.rollback()
    if not rows:
        return 0
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for view_id, session_id, user_id in rows:
        groups[(str(session_id), str(user_id))].append(view_id)
    live = presence().connections(list(groups))
    orphans = [view_id for pair, ids in groups.items() for view_id in ids[: max(len(ids) - live.get(pair, 0), 0)]]
    closed = end_visits(orphans)
    if closed:
        log.warning("Closed %d visit(s) left open by a stopped process", closed)
    return closed


# ---------------------------------------------------------------- event log retention


def _prune_events_if_due() -> int:
    return prune_events() if _chore_due(_LAST_EVENT_SWEEP, "event-sweep", EVENT_SWEEP_SECONDS) else 0


def prune_events() -> int:
    """Delete the event log entries past ``EVENT_RETENTION_HOURS``, a batch per commit; returns how many."""
    hours = float(current_app.config["EVENT_RETENTION_HOURS"])
    removed = 0
    while True:
        batch = event_log.prune_batch(hours)
        commit()
        removed += batch
        if batch < event_log.PRUNE_BATCH:
            return removed


# ---------------------------------------------------------------- clean stop


def shutdown() -> int:
    """A clean stop (SIGTERM): close this process's visits and take its viewers out now; returns the
    number of connections handled. The sockets themselves close when the process exits."""
    try:
        reactions.shutdown()  # this process's last second of reactions
    except Exception:
        log.exception("Could not write the pending reaction totals")
    conns = registry().all()
    visits = []
    for conn in conns:
        with conn.lock:
            conn.closed = True
            visits.extend(visit.view_id for visit in conn.joined.values())
            conn.joined = {}
    end_visits(visits)
    try:
        for session_id in presence().shutdown():
            events.viewer_count(session_id, presence().count(session_id))
    except Exception:
        log.exception("Could not take this process's viewers out of the counts")
    return len(conns)
