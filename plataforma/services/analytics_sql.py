"""SQL building blocks of the session analytics (SPEC §13), portable between PostgreSQL and SQLite.

Every figure is computed by the database over ``session_views``; Python only shapes
the few result rows. Times are handled as epoch seconds (floats, millisecond-exact)
so the same window-function SQL runs on both databases.

* ``viewer_key()`` is THE definition of "a viewer": the user, or for a guest's visits (no user) the
  guest token's id (``session_views.guest_id``): one guest is one viewer.
* ``merged(...)`` merges each viewer's overlapping views (two tabs) in ONE window pass
  (a running ``max(end)``); watch time, concurrency and the timeline come from it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import SessionView


def viewer_key():
    """Who a view belongs to: its user, or its guest (SPEC §12)."""
    return sa.func.coalesce(SessionView.user_id, SessionView.guest_id)


def dialect() -> str:
    """The name of the database's dialect ("postgresql", "sqlite"): for the few SQL forms that differ."""
    return db.session.get_bind().dialect.name


# Sorting 100,000 views in memory takes ~10 MB; PostgreSQL's default work_mem (4 MB) spills them to disk.
SORT_MEMORY = "64MB"


def analytics_settings() -> None:
    """This transaction's settings for the analytics statements (PostgreSQL; reset at commit/rollback).

    * sorts and window functions run in memory (``work_mem``);
    * no JIT compilation: the statements' estimated cost passes ``jit_above_cost`` from ~100,000 views
      (an event's sessions together already do), and compiling their ~150 expressions took ~250 ms,
      more than running them. One statement sets both.
    """
    if dialect() == "postgresql":
        db.session.execute(
            sa.text("SELECT set_config('work_mem', :memory, true), set_config('jit', 'off', true)"),
            {"memory": SORT_MEMORY},
        )


def epoch(value) -> sa.ColumnElement:
    """Seconds since 1970 of a timestamp column, as a float (millisecond-exact)."""
    if dialect() == "postgresql":
        return sa.func.date_part("epoch", value, type_=sa.Float)  # float8 (EXTRACT gives a slower numeric)
    # julianday keeps ~50 µs of precision at today's dates: rounding to the millisecond makes it exact.
    return sa.func.round((sa.func.julianday(value) - 2440587.5) * 86400.0, 3)


def to_int(value) -> sa.ColumnElement:
    """Whole seconds of a non-negative number (floor)."""
    if dialect() == "postgresql":
        return sa.cast(sa.func.floor(value), sa.BigInteger)
    return sa.cast(value, sa.Integer)  # SQLite's CAST truncates: floor for non-negative values


def bucket_of(seconds, size: int) -> sa.ColumnElement:
    """Start (epoch seconds) of the ``size``-second bucket that holds ``seconds``."""
    return to_int(seconds / size) * size


def views(session_ids: list, now: datetime, *, key=None) -> sa.Subquery:
    """One row per view: viewer, start, end (open views end ``now``), as epoch seconds; ``open``.

    A subquery, not a CTE: the planner folds it into the window pass of :func:`merged` (one scan of
    ``session_views`` and a sort by viewer and join time; an index in that order was tried and saved
    nothing: its heap visits cost what the in-memory sort does).
    """
    if len(session_ids) == 1:
        session_filter = SessionView.session_id == session_ids[0]  # the index's order serves one session
    else:
        session_filter = SessionView.session_id.in_(session_ids)
    now_seconds = round(now.timestamp(), 3)
    raw = (
        sa.select(
            SessionView.id.label("id"),
            SessionView.session_id.label("session_id"),
            (key if key is not None else viewer_key()).label("viewer"),
            SessionView.joined_at.label("joined_at"),
            SessionView.left_at.label("left_at"),
            epoch(SessionView.joined_at).label("s"),
            epoch(SessionView.left_at).label("left"),
        )
        .where(session_filter)
        .subquery("raw")
    )
    r = raw.c
    now_value = sa.literal(now_seconds, sa.Float)
    return sa.select(
        r.id,
        r.session_id,
        r.viewer,
        r.joined_at,
        r.left_at,
        r.s,
        # Open views last until now; a view closed before it opened (clock skew) lasts nothing.
        _greatest(sa.func.coalesce(r.left, now_value), r.s).label("e"),
        sa.case((r.left.is_(None), 1), else_=0).label("open"),
    ).subquery("views")


def _greatest(*values) -> sa.ColumnElement:
    return (sa.func.greatest if dialect() == "postgresql" else sa.func.max)(*values)


def _greatest_or(nullable, value) -> sa.ColumnElement:
    """The larger of ``nullable`` and ``value``; ``value`` when ``nullable`` is null.

    PostgreSQL's ``greatest`` ignores nulls by itself (one function call per row instead of two);
    SQLite's ``max`` returns null, so it gets the ``coalesce``.
    """
    if dialect() == "postgresql":
        return sa.func.greatest(nullable, value)
    return sa.func.max(sa.func.coalesce(nullable, value), value)


# ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING, with the 1 written into the SQL: SQLAlchemy 2.1 sends
# frame offsets as bound parameters, and three windows with three parameters ($1, $2, $3) are three
# different windows to PostgreSQL (three WindowAgg passes instead of one).
_ROWS_BEFORE = sa.FrameClause(
    None, sa.literal(1, sa.Integer, literal_execute=True), sa.FrameClauseType.UNBOUNDED, sa.FrameClauseType.PRECEDING
)


def merged(views, *, per_session: bool = True, name: str = "merged", view_columns: bool = False):
    """One window pass over each viewer's views in start order (the union of intervals, two tabs once).

    With ``before`` = the latest end among the viewer's earlier views and ``reach`` = the same
    including this view: the view adds ``max(0, e - max(s, before))`` seconds to the union; it
    starts a merged interval ("island") when ``s > before``, and ends one at ``reach`` when the
    next view starts after ``reach`` (or there is none) and no view of the island so far is open.
    Rows (one per view): session_id (with ``per_session``), viewer, adds, island_start (``s`` when
    the view starts an island, else null), island_end (``reach`` when the view ends an island that
    has ended, else null); with ``view_columns`` also the view's s, e and open. The CTE is
    materialised when several parts read it, so it carries only what they need (over one session,
    call it without ``per_session``: no session column, no partition by session).
    """
    v = views.c
    # One window definition for the three functions, so the database sorts and scans once
    # (lead ignores the frame; PostgreSQL evaluates identical windows in one WindowAgg).
    window = {
        "partition_by": [v.session_id, v.viewer] if per_session else [v.viewer],
        "order_by": (v.joined_at, v.id),
        "rows": _ROWS_BEFORE,
    }
    windowed = sa.select(
        *([v.session_id] if per_session else []),
        v.viewer,
        v.s,
        v.e,
        v.open,
        sa.func.max(v.e).over(**window).label("before"),
        sa.func.max(v.open).over(**window).label("open_before"),
        sa.func.lead(v.s).over(**window).label("following"),
    ).subquery("windowed")
    w = windowed.c
    reach = _greatest_or(w.before, w.e)
    # A viewer still watching has not left: an island holding an open view has no end, so the last
    # level is who watches now. (An open view ends at now, so such an island reaches now; a view
    # closed by a server whose clock runs ahead may reach past now too, but it is not open, and it ends.)
    live = _greatest_or(w.open_before, w.open) == 1
    ends = sa.and_(sa.or_(w.following.is_(None), w.following > reach), sa.not_(live))
    return sa.select(
        *([w.session_id] if per_session else []),
        w.viewer,
        *((w.s, w.e, w.open) if view_columns else ()),
        _greatest(w.e - _greatest_or(w.before, w.s), 0).label("adds"),
        sa.case((sa.or_(w.before.is_(None), w.s > w.before), w.s)).label("island_start"),
        sa.case((ends, reach)).label("island_end"),
    ).cte(name)


def watch_per_viewer(merged_cte, *, per_session: bool = True, name: str = "watch"):
    """Rows (session_id?, viewer, watch): whole seconds of the union of the viewer's views."""
    m = merged_cte.c
    cols = [m.session_id] if per_session else []
    return sa.select(*cols, m.viewer, to_int(sa.func.sum(m.adds)).label("watch")).group_by(*cols, m.viewer).cte(name)


def microseconds(seconds) -> sa.ColumnElement:
    """Epoch seconds as a whole number of microseconds: the same order, but PostgreSQL sorts integers faster."""
    return sa.cast(sa.func.round(seconds * 1_000_000), sa.BigInteger)


def sweep(merged_cte, *, per_session: bool = True, partition: bool | None = None, name: str = "sweep"):
    """Viewers watching after each island start/end (ends first at equal times): (session_id?, moment, delta, level,
    settled: 1 on the last point of its instant, whose level is the one that holds from that instant on).

    ``partition`` (default: ``per_session``) runs the sum per session; one session needs none.
    """
    m = merged_cte.c
    cols = [m.session_id] if per_session else []
    starts = sa.select(*cols, m.island_start.label("moment"), sa.literal(1).label("delta")).where(
        m.island_start.is_not(None)
    )
    ends = sa.select(*cols, m.island_end.label("moment"), sa.literal(-1).label("delta")).where(
        m.island_end.is_not(None)
    )
    points = sa.union_all(starts, ends).cte(f"{name}_points")
    p = points.c
    partition = per_session if partition is None else partition
    instant = microseconds(p.moment)
    # One window for both functions (lead ignores the frame), so one sort and one pass.
    window = {"partition_by": [p.session_id] if partition else None, "order_by": (instant, p.delta), "rows": (None, 0)}
    level = sa.func.sum(p.delta).over(**window)
    # The level after the LAST point of an instant is a state viewers were in; after the first of two
    # leaves at one instant it is not (moments are non-negative, so -1 never equals one).
    settled = sa.case((sa.func.coalesce(sa.func.lead(instant).over(**window), -1) != instant, 1), else_=0)
    pcols = [p.session_id] if per_session else []
    return sa.select(*pcols, p.moment, p.delta, level.label("level"), settled.label("settled")).cte(name)
