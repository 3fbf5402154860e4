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
from plataforma.models import EventSession, SessionView


def viewer_key():
    """Who a view belongs to: its user, or its guest (SPEC §12)."""
    return sa.func.coalesce(SessionView.user_id, SessionView.guest_id)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# Sorting 100,000 views in memory takes ~10 MB; PostgreSQL's default work_mem (4 MB) spills them to disk.
SORT_MEMORY = "64MB"


def roomy_sorts() -> None:
    """Let this transaction's sorts and window functions run in memory (PostgreSQL; reset at commit/rollback)."""
    if _dialect() == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


def epoch(value) -> sa.ColumnElement:
    """Seconds since 1970 of a timestamp column, as a float (millisecond-exact)."""
    if _dialect() == "postgresql":
        return sa.func.date_part("epoch", value, type_=sa.Float)  # float8 (EXTRACT gives a slower numeric)
    # julianday keeps ~50 µs of precision at today's dates: rounding to the millisecond makes it exact.
    return sa.func.round((sa.func.julianday(value) - 2440587.5) * 86400.0, 3)


def to_int(value) -> sa.ColumnElement:
    """Whole seconds of a non-negative number (floor)."""
    if _dialect() == "postgresql":
        return sa.cast(sa.func.floor(value), sa.BigInteger)
    return sa.cast(value, sa.Integer)  # SQLite's CAST truncates: floor for non-negative values


def bucket_of(seconds, size: int) -> sa.ColumnElement:
    """Start (epoch seconds) of the ``size``-second bucket that holds ``seconds``."""
    return to_int(seconds / size) * size


def views(session_filter, now: datetime, *, key=None):
    """One row per view: viewer, start, end (open views end ``now``), as epoch seconds."""
    if isinstance(session_filter, list):
        session_filter = SessionView.session_id.in_(session_filter)
    now_seconds = round(now.timestamp(), 3)
    raw = (
        sa.select(
            SessionView.id.label("id"),
            SessionView.session_id.label("session_id"),
            (key if key is not None else viewer_key()).label("viewer"),
            SessionView.joined_at.label("joined_at"),
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
        r.s,
        # Open views last until now; a view closed before it opened (clock skew) lasts nothing.
        _greatest(sa.func.coalesce(r.left, now_value), r.s).label("e"),
        sa.case((r.left.is_(None), 1), else_=0).label("open"),
        now_value.label("now"),
    ).cte("views")


def session_ids_of_event(event_id) -> sa.Select:
    return sa.select(EventSession.id).where(EventSession.event_id == event_id)


def _greatest(*values) -> sa.ColumnElement:
    return (sa.func.greatest if _dialect() == "postgresql" else sa.func.max)(*values)


def merged(views_cte, *, per_session: bool = True):
    """One window pass over each viewer's views in start order (the union of intervals, two tabs once).

    With ``before`` = the latest end among the viewer's earlier views and ``reach`` = the same
    including this view: the view adds ``max(0, e - max(s, before))`` seconds to the union; it
    starts a merged interval ("island") when ``s > before``, and ends one at ``reach`` when the
    next view starts after ``reach`` (or there is none).
    Rows: session_id, viewer, s, adds, starts, ends, reach, live_end (the island holds an open view).
    """
    v = views_cte.c
    # One window definition for the three functions, so the database sorts and scans once
    # (lead ignores the frame; PostgreSQL evaluates identical windows in one WindowAgg).
    window = {
        "partition_by": [v.session_id, v.viewer] if per_session else [v.viewer],
        "order_by": (v.joined_at, v.id),
        "rows": (None, -1),
    }
    windowed = sa.select(
        v.session_id,
        v.viewer,
        v.s,
        v.e,
        v.open,
        v.now,
        sa.func.max(v.e).over(**window).label("before"),
        sa.func.max(v.open).over(**window).label("open_before"),
        sa.func.lead(v.s).over(**window).label("following"),
    ).subquery("windowed")
    w = windowed.c
    reach = _greatest(sa.func.coalesce(w.before, w.e), w.e)
    open_so_far = _greatest(sa.func.coalesce(w.open_before, 0), w.open)
    return sa.select(
        w.session_id,
        w.viewer,
        w.s,
        _greatest(w.e - _greatest(w.s, sa.func.coalesce(w.before, w.s)), 0).label("adds"),
        sa.case((sa.or_(w.before.is_(None), w.s > w.before), 1), else_=0).label("starts"),
        sa.case((sa.or_(w.following.is_(None), w.following > reach), 1), else_=0).label("ends"),
        reach.label("reach"),
        # A viewer still watching has not left: their island has no end, so the last level is who watches now.
        # (An open view ends at now, so the island holding it reaches now; a view closed by a server whose
        # clock runs ahead may reach past now too, but it has no open view, and it ends.)
        sa.case((sa.and_(open_so_far == 1, reach >= w.now), 1), else_=0).label("live_end"),
    ).cte("merged")


def watch_per_viewer(merged_cte, *, per_session: bool = True):
    """Rows (session_id?, viewer, watch): whole seconds of the union of the viewer's views."""
    m = merged_cte.c
    cols = [m.session_id] if per_session else []
    return sa.select(*cols, m.viewer, to_int(sa.func.sum(m.adds)).label("watch")).group_by(*cols, m.viewer).cte("watch")


def sweep(merged_cte, *, per_session: bool = True):
    """Viewers watching after each island start/end (ends first at equal times): (session_id?, moment, delta, level)."""
    m = merged_cte.c
    cols = [m.session_id] if per_session else []
    starts = sa.select(*cols, m.s.label("moment"), sa.literal(1).label("delta")).where(m.starts == 1)
    ends = sa.select(*cols, m.reach.label("moment"), sa.literal(-1).label("delta")).where(m.ends == 1, m.live_end == 0)
    points = sa.union_all(starts, ends).cte("points")
    p = points.c
    partition = [p.session_id] if per_session else None
    level = sa.func.sum(p.delta).over(partition_by=partition, order_by=(p.moment, p.delta), rows=(None, 0))
    pcols = [p.session_id] if per_session else []
    return sa.select(*pcols, p.moment, p.delta, level.label("level")).cte("sweep")
