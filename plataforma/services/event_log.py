"""The per-session event log (SPEC §16): numbered room events, kept for resume after reconnect.

Every numbered room event gets the next ``seq`` of its session and is stored in the
transaction of the change it reports. ``seq`` comes from one counter row per session,
incremented with ``INSERT … ON CONFLICT DO UPDATE SET last_seq = last_seq + 1 RETURNING``:
the row stays locked until the transaction ends, so concurrent writers to one session
take turns (no gap: a rolled-back transaction gives its number back; no duplicate). The
payload is computed *after* the counter is locked, so an event with a higher ``seq``
always describes a state at least as recent as the one before it. On PostgreSQL an event of
one session whose payload is known beforehand (a chat message) is numbered and stored in one
statement (the upsert as a CTE).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from plataforma.extensions import db
from plataforma.models import SessionEvent, SessionEventCounter, utcnow
from plataforma.services.sql import insert_on_conflict

# What a join may replay; beyond it the client is told to resync.
MAX_MISSED = 1000
PRUNE_BATCH = 5000

# Core statements (every chat message runs them): no ORM bookkeeping, nothing here needs identities.
_COUNTERS = SessionEventCounter.__table__
_EVENT_INSERT = sa.insert(SessionEvent.__table__)


def _insert(dialect: str):
    return insert_on_conflict(_COUNTERS, dialect)


def _upsert(statement):
    return statement.on_conflict_do_update(
        index_elements=[_COUNTERS.c.session_id],
        set_={"last_seq": _COUNTERS.c.last_seq + 1},
    ).returning(_COUNTERS.c.session_id, _COUNTERS.c.last_seq)


@functools.cache
def _next_seq_statement(dialect: str):
    """The one-session form, built once per dialect: SQLAlchemy caches its compiled SQL (a multi-row
    VALUES has no cache key, so it is compiled on every call; building and compiling it took about a
    tenth of a chat message's CPU on PostgreSQL, profiled)."""
    return _upsert(_insert(dialect).values(session_id=sa.bindparam("session_id"), last_seq=1))


def _insert_numbered(numbered: sa.Select):
    """The events' INSERT from ``numbered`` (rows of session_id, seq, event, data, created_at), returning their seqs."""
    events = SessionEvent.__table__
    columns = ["session_id", "seq", "event", "data", "created_at"]
    return sa.insert(events).from_select(columns, numbered).returning(events.c.seq)


@functools.cache
def _numbered_insert_statement():
    """PostgreSQL, one session, a payload known beforehand (a chat message): the counter's upsert as a
    data-modifying CTE feeding the event's INSERT, so numbering and storing it is one round trip (two
    otherwise; a round trip was about a twentieth of a chat message's CPU, profiled). The counter row
    is locked as in :func:`next_seqs`."""
    events = SessionEvent.__table__
    counter = _next_seq_statement("postgresql").cte("next_seq")
    numbered = sa.select(
        counter.c.session_id,
        counter.c.last_seq,
        *(sa.bindparam(name, type_=events.c[name].type) for name in ("event", "data", "created_at")),
    )
    return _insert_numbered(numbered)


@functools.cache
def _advance_statement(dialect: str):
    """One session's counter moved on by ``count`` (several events at once), locked as in :func:`next_seqs`."""
    statement = _insert(dialect).values(session_id=sa.bindparam("session_id"), last_seq=sa.bindparam("count"))
    return statement.on_conflict_do_update(
        index_elements=[_COUNTERS.c.session_id],
        set_={"last_seq": _COUNTERS.c.last_seq + statement.excluded.last_seq},
    ).returning(_COUNTERS.c.last_seq)


@functools.cache
def _numbered_series_statement():
    """PostgreSQL, several events of one session whose payloads are known beforehand (a chat batch):
    the counter moved on by their number as a CTE, and their rows from one JSON array parameter
    (``jsonb_array_elements … WITH ORDINALITY``: the n-th payload gets the n-th seq), so numbering and
    storing them is one round trip (two otherwise), as for one event (:func:`_numbered_insert_statement`)."""
    events = SessionEvent.__table__
    counter = _advance_statement("postgresql").cte("advanced")
    payloads = (
        sa.func.jsonb_array_elements(sa.bindparam("payloads", type_=JSONB))
        .table_valued("value", with_ordinality="position")
        .render_derived()
    )
    numbered = sa.select(
        sa.bindparam("session_id", type_=events.c.session_id.type),
        counter.c.last_seq - sa.bindparam("count") + payloads.c.position,
        sa.bindparam("event", type_=events.c.event.type),
        payloads.c.value,
        sa.bindparam("created_at", type_=events.c.created_at.type),
    ).select_from(counter.join(payloads, sa.true()))
    return _insert_numbered(numbered)


def record_series(session_id: uuid.UUID, event: str, payloads: list) -> list[int]:
    """Several ``event`` of one session, in order, whose payloads are known beforehand (the chat messages
    of a batch): numbered ``seq`` after ``seq`` and stored in one statement on PostgreSQL, two
    elsewhere, however many; their seqs."""
    if len(payloads) == 1:
        seqs, _ = record_many([session_id], event, payloads[0])
        return list(seqs.values())
    db.session.flush()
    dialect = db.session.get_bind().dialect.name
    params = {"session_id": session_id, "count": len(payloads)}
    if dialect == "postgresql":
        params.update(event=event, payloads=payloads, created_at=utcnow())
        return sorted(int(seq) for seq in db.session.scalars(_numbered_series_statement(), params))
    last = int(db.session.execute(_advance_statement(dialect), params).scalar_one())
    first, now = last - len(payloads) + 1, utcnow()
    rows = [
        {"session_id": session_id, "seq": first + i, "event": event, "data": data, "created_at": now}
        for i, data in enumerate(payloads)
    ]
    db.session.execute(_EVENT_INSERT, rows)
    return list(range(first, last + 1))


def next_seqs(session_ids: list[uuid.UUID], dialect: str | None = None) -> dict[uuid.UUID, int]:
    """Allocate the next ``seq`` of each session in one statement; the counter rows stay locked
    until the transaction ends (taken in id order, so two multi-session writers cannot deadlock)."""
    ordered = sorted(set(session_ids))
    dialect = dialect or db.session.get_bind().dialect.name
    if len(ordered) == 1:
        statement, params = _next_seq_statement(dialect), {"session_id": ordered[0]}
    else:
        statement = _upsert(_insert(dialect).values([{"session_id": sid, "last_seq": 1} for sid in ordered]))
        params = None
    return {session_id: int(seq) for session_id, seq in db.session.execute(statement, params).all()}


def record(session_id, event: str, payload: Any | Callable[[], Any]) -> tuple[int, Any]:
    """Number ``event`` and store it with its payload (a callable is evaluated now); returns (seq, data)."""
    seqs, data = record_many([session_id], event, payload)
    return next(iter(seqs.values())), data


def record_many(session_ids, event: str, payload: Any | Callable[[], Any]) -> tuple[dict[uuid.UUID, int], Any]:
    """One event with one payload for several sessions (``stream_status``): a statement for the
    numbers and one for the rows, however many sessions. Returns ({session_id: seq}, data)."""
    ids = [value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)) for value in session_ids]
    if not ids:
        return {}, None
    db.session.flush()  # the change itself first: the payload reads it
    dialect = db.session.get_bind().dialect.name
    if len(ids) == 1 and not callable(payload) and dialect == "postgresql":
        params = {"session_id": ids[0], "event": event, "data": payload, "created_at": utcnow()}
        return {ids[0]: int(db.session.execute(_numbered_insert_statement(), params).scalar_one())}, payload
    seqs = next_seqs(ids, dialect)
    data = payload() if callable(payload) else payload
    now = utcnow()
    rows = [
        {"session_id": sid, "seq": seq, "event": event, "data": data, "created_at": now} for sid, seq in seqs.items()
    ]
    db.session.execute(_EVENT_INSERT, rows)
    return seqs, data


def latest_seq(session_id: uuid.UUID) -> int:
    value = db.session.scalar(
        sa.select(SessionEventCounter.last_seq).where(SessionEventCounter.session_id == session_id)
    )
    return int(value or 0)


def events_after(session_id: uuid.UUID, after: int, limit: int) -> list[SessionEvent]:
    query = (
        sa.select(SessionEvent)
        .where(SessionEvent.session_id == session_id, SessionEvent.seq > after)
        .order_by(SessionEvent.seq)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def replay(session_id: uuid.UUID, after_seq: int | None) -> dict:
    """What a (re)join answers: ``seq`` and, with ``after_seq``, ``missed`` or ``resync: true``.

    ``missed`` is complete or absent: when more than :data:`MAX_MISSED` events were sent
    since ``after_seq``, when some of them are no longer kept, or when ``after_seq`` is
    ahead of the log (the client knows a history this server does not), ``resync`` is set.
    """
    latest = latest_seq(session_id)
    if after_seq is None:
        return {"seq": latest}
    if not 0 <= latest - after_seq <= MAX_MISSED:
        return {"seq": latest, "resync": True}
    rows = events_after(session_id, after_seq, MAX_MISSED + 1)
    seqs = [row.seq for row in rows]
    # seq has no gaps, so a complete replay is exactly after_seq+1 .. the newest (which may be
    # past ``latest`` when a change committed in between).
    complete = seqs == list(range(after_seq + 1, after_seq + 1 + len(seqs))) and len(seqs) >= latest - after_seq
    if not complete or len(seqs) > MAX_MISSED:
        return {"seq": latest, "resync": True}
    missed = [{"event": row.event, "data": row.data, "seq": row.seq} for row in rows]
    return {"seq": seqs[-1] if seqs else latest, "missed": missed}


def prune_batch(retention_hours: float) -> int:
    """Delete up to :data:`PRUNE_BATCH` events older than the retention window; returns how many.

    The caller commits and calls again while a full batch went."""
    cutoff = utcnow() - timedelta(hours=retention_hours)
    keys = db.session.execute(
        sa.select(SessionEvent.session_id, SessionEvent.seq).where(SessionEvent.created_at < cutoff).limit(PRUNE_BATCH)
    ).all()
    if keys:
        db.session.execute(
            sa.delete(SessionEvent).where(
                sa.tuple_(SessionEvent.session_id, SessionEvent.seq).in_([tuple(key) for key in keys])
            )
        )
    return len(keys)
