"""SQL building blocks of the session analytics (SPEC §13), portable between PostgreSQL and SQLite.

Every figure is computed by the database over ``session_views``; Python only shapes
the few result rows. Times are handled as epoch seconds (floats, millisecond-exact)
so the same window-function SQL runs on both databases.

* ``viewer_key()`` is THE definition of "a viewer": today the user; with guests
  (``session_views.guest_id``) it becomes ``coalesce(user_id, guest_id)`` — one line.
* ``islands(...)`` merges each viewer's overlapping views (two tabs) into disjoint
  intervals with the gaps-and-islands technique (a running ``max(end)`` window);
  watch time, concurrency and the timeline are all computed over these islands.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import EventSession, SessionView


def viewer_key():
    """Who a view belongs to. Guests (branch #13): ``sa.func.coalesce(SessionView.user_id, SessionView.guest_id)``."""
    return SessionView.user_id


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def epoch(value) -> sa.ColumnElement:
    """Seconds since 1970 of a timestamp column or bound value, as a float (millisecond-exact)."""
    if _dialect() == "postgresql":
        return sa.cast(sa.func.extract("epoch", value), sa.Float)
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


def views(session_ids, now: datetime, *, key=None):
    """One row per view: viewer, start, end (open views end ``now``), as epoch seconds."""
    now_value = sa.literal(now, sa.DateTime(timezone=True))
    start = epoch(SessionView.joined_at)
    end = epoch(sa.func.coalesce(SessionView.left_at, now_value))
    query = sa.select(
        SessionView.id.label("id"),
        SessionView.session_id.label("session_id"),
        (key if key is not None else viewer_key()).label("viewer"),
        start.label("s"),
        # A view closed before it opened (clock skew) lasts nothing.
        sa.case((end < start, start), else_=end).label("e"),
        sa.case((SessionView.left_at.is_(None), 1), else_=0).label("open"),
    ).where(SessionView.session_id.in_(session_ids) if isinstance(session_ids, list) else session_ids)
    return query.cte("views")


def session_ids_of_event(event_id) -> sa.Select:
    return sa.select(EventSession.id).where(EventSession.event_id == event_id)


def islands(views_cte, *, per_session: bool = True):
    """Each viewer's views merged into disjoint intervals: rows (session_id?, viewer, s, e, open)."""
    v = views_cte.c
    partition = [v.session_id, v.viewer] if per_session else [v.viewer]
    previous_end = sa.func.max(v.e).over(partition_by=partition, order_by=(v.s, v.id), rows=(None, -1))
    marked = sa.select(
        v.session_id,
        v.viewer,
        v.s,
        v.e,
        v.id,
        v.open,
        sa.case((sa.or_(previous_end.is_(None), v.s > previous_end), 1), else_=0).label("starts"),
    ).cte("marked")
    m = marked.c
    numbered = sa.select(
        m.session_id,
        m.viewer,
        m.s,
        m.e,
        m.open,
        sa.func.sum(m.starts)
        .over(
            partition_by=[m.session_id, m.viewer] if per_session else [m.viewer], order_by=(m.s, m.id), rows=(None, 0)
        )
        .label("island"),
    ).cte("numbered")
    n = numbered.c
    group = [n.session_id, n.viewer, n.island] if per_session else [n.viewer, n.island]
    cols = [n.session_id] if per_session else []
    return (
        sa.select(
            *cols, n.viewer, sa.func.min(n.s).label("s"), sa.func.max(n.e).label("e"), sa.func.max(n.open).label("open")
        )
        .group_by(*group)
        .cte("islands")
    )


def watch_per_viewer(islands_cte, *, per_session: bool = True):
    """Rows (session_id?, viewer, watch): whole seconds of the union of the viewer's views."""
    i = islands_cte.c
    cols = [i.session_id] if per_session else []
    return (
        sa.select(*cols, i.viewer, to_int(sa.func.sum(i.e - i.s)).label("watch")).group_by(*cols, i.viewer).cte("watch")
    )


def sweep(islands_cte, *, per_session: bool = True):
    """Concurrency after each island start/end, ends first at equal times: rows (session_id?, moment, delta, level)."""
    i = islands_cte.c
    cols = [i.session_id] if per_session else []
    lasting = i.e > i.s
    starts = sa.select(*cols, i.s.label("moment"), sa.literal(1).label("delta")).where(lasting)
    # A viewer still watching has not left: no end point, so the last level is who watches now.
    ends = sa.select(*cols, i.e.label("moment"), sa.literal(-1).label("delta")).where(lasting, i.open == 0)
    points = sa.union_all(starts, ends).cte("points")
    p = points.c
    partition = [p.session_id] if per_session else None
    level = sa.func.sum(p.delta).over(partition_by=partition, order_by=(p.moment, p.delta), rows=(None, 0))
    pcols = [p.session_id] if per_session else []
    return sa.select(*pcols, p.moment, p.delta, level.label("level")).cte("sweep")
