"""The viewer figures of sessions (SPEC §13) in ONE statement, from ONE merge pass per request.

The statement is a UNION ALL of row kinds over shared CTEs: per-viewer aggregates (viewers,
watch time, percentiles), view counts with the time span, the peak, and (for one session) the
timeline buckets. PostgreSQL materialises ``merged`` (the window pass) and ``sweep`` once each;
the view counts and joins/leaves read ``session_views`` directly (a scan is cheaper than carrying
the view columns through the materialised merge pass). See docs/analytics-and-search.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.services import analytics_sql as q

PERCENTILES = (25, 50, 75, 90)
VIEWERS, VIEWS, PEAK, BUCKET = 1, 2, 3, 4
_SLOTS = 7
_NO_SESSION = sa.cast(sa.null(), sa.Uuid)  # the session column of the rows over all of an event's sessions


def empty_figures() -> dict:
    return {
        "unique_viewers": 0,
        "total_views": 0,
        "peak_concurrent": 0,
        "peak_at": None,
        "avg_watch_seconds": 0.0,
        "total_watch_seconds": 0,
        "retention": {f"p{p}": 0 for p in PERCENTILES},
        "span": None,
    }


def _row(kind: int, session_id, bucket=None, *values) -> list:
    """One row of the combined figures query: kind, session, bucket, then ``_SLOTS`` numbers."""
    numbers = [sa.cast(value, sa.Float) for value in values]
    numbers += [sa.cast(sa.null(), sa.Float)] * (_SLOTS - len(numbers))
    bucket = sa.cast(bucket if bucket is not None else sa.null(), sa.Float)
    columns = [sa.literal(kind).label("kind"), session_id.label("sid"), bucket.label("b")]
    return columns + [number.label(f"x{i}") for i, number in enumerate(numbers)]


def viewer_figures(
    session_ids: list, now: datetime, *, bucket_size: int | None = None, overall: bool = False
) -> tuple[dict, list]:
    """({session id: figures with "span"}, timeline bucket rows) of the sessions, in one statement.

    With ``overall`` it also merges each viewer's views across the sessions (a second window pass)
    and returns viewers, watch time and peak over all of them under the key ``None``.
    """
    q.analytics_settings()
    views = q.views(session_ids, now)
    merged = q.merged(views)
    # One session needs no per-session partition of the sweep (its sort then starts with the time).
    parts, sweep = _merge_parts(merged, per_session=True, partition=len(session_ids) > 1)
    v = views.c
    parts.append(
        sa.select(*_row(VIEWS, v.session_id, None, sa.func.count(), sa.func.min(v.s), sa.func.max(v.e))).group_by(
            v.session_id
        )
    )
    if bucket_size is not None:
        parts.extend(_bucket_parts(v, sweep.c, bucket_size))
    # Over one session, "all the sessions" is that session: the same figures, without a second pass.
    across = overall and len(session_ids) > 1
    if across:
        merged_all = q.merged(views, per_session=False, name="merged_all")
        parts.extend(_merge_parts(merged_all, per_session=False, partition=False)[0])

    result = {sid: empty_figures() for sid in session_ids}
    if across:
        result[None] = empty_figures()
    buckets = []
    for row in db.session.execute(sa.union_all(*parts)):
        figures = result[row.sid]
        if row.kind == VIEWERS:
            viewers_n, total = int(row.x0), int(row.x1 or 0)
            figures["unique_viewers"] = viewers_n
            figures["total_watch_seconds"] = total
            figures["avg_watch_seconds"] = round(total / viewers_n, 2) if viewers_n else 0.0
            figures["retention"] = {f"p{p}": int(getattr(row, f"x{i + 2}") or 0) for i, p in enumerate(PERCENTILES)}
        elif row.kind == VIEWS:
            figures["total_views"] = int(row.x0)
            figures["span"] = (row.x1, row.x2)
        elif row.kind == PEAK and row.x0 and row.x0 > 0:
            figures["peak_concurrent"] = int(row.x0)
            figures["peak_at"] = datetime.fromtimestamp(row.x1, UTC)
        elif row.kind == BUCKET:
            buckets.append(row)
    if overall and not across:
        result[None] = dict(result[session_ids[0]])
    return result, buckets


def _merge_parts(merged, *, per_session: bool, partition: bool) -> tuple[list, sa.CTE]:
    """The VIEWERS and PEAK rows of one merge pass, and its sweep (for the timeline buckets)."""
    suffix = "" if per_session else "_all"
    watch = q.watch_per_viewer(merged, per_session=per_session, name=f"watch{suffix}")
    sweep = q.sweep(merged, per_session=per_session, partition=partition, name=f"sweep{suffix}")
    s, w = sweep.c, watch.c
    if per_session:
        ranked = sa.select(
            w.session_id,
            w.watch,
            sa.func.row_number().over(partition_by=w.session_id, order_by=w.watch).label("rank"),
            sa.func.count().over(partition_by=w.session_id).label("n"),
        ).cte("ranked")
        r = ranked.c
        # Nearest rank: the ceil(p/100 * n)-th smallest, in integer arithmetic.
        percentiles = [sa.func.max(sa.case((r.rank == (p * r.n + 99) // 100, r.watch))) for p in PERCENTILES]
        parts = [
            sa.select(*_row(VIEWERS, r.session_id, None, sa.func.count(), sa.func.sum(r.watch), *percentiles)).group_by(
                r.session_id
            )
        ]
    else:
        # Over all the sessions: viewers and watch time only (no percentiles, no view counts).
        parts = [sa.select(*_row(VIEWERS, _NO_SESSION, None, sa.func.count(), sa.func.sum(w.watch)))]
    # The peak: the highest level and the first moment it is reached (no sort of the sweep needed).
    keys = [s.session_id] if per_session else []
    tops = sa.select(*keys, sa.func.max(s.level).label("top")).group_by(*keys).subquery()
    on = [tops.c.top == s.level] + ([tops.c.session_id == s.session_id] if per_session else [])
    sid = s.session_id if per_session else _NO_SESSION
    parts.append(
        sa.select(*_row(PEAK, sid, None, tops.c.top, sa.func.min(s.moment)))
        .join(tops, sa.and_(*on))
        .group_by(*keys, tops.c.top)
    )
    return parts, sweep


def _bucket_parts(v, s, size: int) -> list:
    """Timeline rows per bucket: joins, leaves (views); max level, level change, event at the bucket's start."""
    joins_b, leaves_b, sweep_b = q.bucket_of(v.s, size), q.bucket_of(v.e, size), q.bucket_of(s.moment, size)
    return [
        sa.select(*_row(BUCKET, v.session_id, joins_b, sa.func.count())).group_by(v.session_id, joins_b),
        sa.select(*_row(BUCKET, v.session_id, leaves_b, None, sa.func.count()))
        .where(v.left_at.is_not(None))  # = closed views (open == 0), in a form the planner can estimate
        .group_by(v.session_id, leaves_b),
        sa.select(
            *_row(
                BUCKET,
                s.session_id,
                sweep_b,
                None,
                None,
                sa.func.max(s.level),
                sa.func.sum(s.delta),
                sa.func.max(sa.case((s.moment == sweep_b, 1), else_=0)),
            )
        ).group_by(s.session_id, sweep_b),
    ]
