"""The viewer figures of sessions (SPEC §13) in ONE statement, from ONE merge pass per request.

The statement is a UNION ALL of row kinds over shared CTEs: per-viewer aggregates (viewers,
watch time, percentiles), view counts with the time span, the peak, and (for one session) the
timeline buckets. PostgreSQL materialises ``merged`` (the window pass) and ``sweep`` once each;
with a timeline the merge pass also carries each view's start, end and "open", and the joins and
leaves per bucket (with the view count and span) come from its rows; without one, the view counts
read ``session_views``. See docs/analytics-and-search.md.
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
    v = views.c
    # One session needs no session column in the merge pass nor a per-session partition of the sweep
    # (its sort then starts with the time); its rows carry no session, they are that session's.
    one = len(session_ids) == 1
    timeline = bucket_size is not None
    # With a timeline the merge pass also carries each view's start and end: the joins and leaves per
    # bucket are counted from it (the rows PostgreSQL has materialised), not from a second scan.
    merged = q.merged(views, per_session=not one, view_columns=timeline)
    parts, sweep = _merge_parts(merged, per_session=not one, percentiles=True)
    if not timeline:
        parts.append(
            sa.select(*_row(VIEWS, v.session_id, None, sa.func.count(), sa.func.min(v.s), sa.func.max(v.e))).group_by(
                v.session_id
            )
        )
    else:
        # The view count and the span come with the joins and leaves per bucket (no scan of their own).
        parts.extend(_bucket_parts(merged.c, sweep.c, bucket_size, per_session=not one))
    # Over one session, "all the sessions" is that session: the same figures, without a second pass.
    across = overall and not one
    if across:
        merged_all = q.merged(views, per_session=False, name="merged_all")
        parts.extend(_merge_parts(merged_all, per_session=False, percentiles=False, suffix="_all")[0])

    result = {sid: empty_figures() for sid in session_ids}
    if across:
        result[None] = empty_figures()
    buckets = []
    for row in db.session.execute(sa.union_all(*parts)):
        figures = result[session_ids[0] if one else row.sid]
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
            _add_views(figures, row)
    if overall and not across:
        result[None] = dict(result[session_ids[0]])
    return result, buckets


def _add_views(figures: dict, row) -> None:
    """The view count and span of a session from its joins rows (count, first start) and leaves rows (last end)."""
    if row.x0 is not None:
        figures["total_views"] += int(row.x0)
        first, last = figures["span"] or (row.x5, row.x5)
        figures["span"] = (min(first, row.x5), last)
    if row.x6 is not None:
        first, last = figures["span"] or (row.x6, row.x6)
        figures["span"] = (first, max(last, row.x6))


def _merge_parts(merged, *, per_session: bool, percentiles: bool, suffix: str = "") -> tuple[list, sa.CTE]:
    """The VIEWERS and PEAK rows of one merge pass, and its sweep (for the timeline buckets).

    Without ``per_session`` the rows carry no session (one session's, or all the sessions' together).
    """
    watch = q.watch_per_viewer(merged, per_session=per_session, name=f"watch{suffix}")
    sweep = q.sweep(merged, per_session=per_session, name=f"sweep{suffix}")
    s, w = sweep.c, watch.c
    keys = [w.session_id] if per_session else []
    sid = w.session_id if per_session else _NO_SESSION
    if not percentiles:
        # Over all the sessions: viewers and watch time only (no percentiles, no view counts).
        parts = [sa.select(*_row(VIEWERS, sid, None, sa.func.count(), sa.func.sum(w.watch))).group_by(*keys)]
    elif q.dialect() == "postgresql":
        # Nearest rank (the first value whose rank reaches p/100 of the count); the four share one sort.
        ranks = [sa.func.percentile_disc(p / 100).within_group(w.watch) for p in PERCENTILES]
        parts = [sa.select(*_row(VIEWERS, sid, None, sa.func.count(), sa.func.sum(w.watch), *ranks)).group_by(*keys)]
    else:
        ranked = sa.select(
            *keys,
            w.watch,
            sa.func.row_number().over(partition_by=keys or None, order_by=w.watch).label("rank"),
            sa.func.count().over(partition_by=keys or None).label("n"),
        ).cte(f"ranked{suffix}")
        r = ranked.c
        # Nearest rank: the ceil(p/100 * n)-th smallest, in integer arithmetic.
        ranks = [sa.func.max(sa.case((r.rank == (p * r.n + 99) // 100, r.watch))) for p in PERCENTILES]
        rkeys = [r.session_id] if per_session else []
        rsid = r.session_id if per_session else _NO_SESSION
        parts = [sa.select(*_row(VIEWERS, rsid, None, sa.func.count(), sa.func.sum(r.watch), *ranks)).group_by(*rkeys)]
    # The peak: the highest level and the first moment it is reached.
    if per_session:
        tops = sa.select(s.session_id, sa.func.max(s.level).label("top")).group_by(s.session_id).subquery()
        parts.append(
            sa.select(*_row(PEAK, s.session_id, None, tops.c.top, sa.func.min(s.moment)))
            .join(tops, sa.and_(tops.c.top == s.level, tops.c.session_id == s.session_id))
            .group_by(s.session_id, tops.c.top)
        )
    else:
        # One partition: the top row of one pass over the sweep (no aggregate joined back to it).
        top = sa.select(s.level, s.moment).order_by(s.level.desc(), s.moment).limit(1).subquery(f"top{suffix}")
        parts.append(sa.select(*_row(PEAK, _NO_SESSION, None, top.c.level, top.c.moment)))
    return parts, sweep


def _bucket_parts(m, s, size: int, *, per_session: bool) -> list:
    """Timeline rows per bucket: joins and first start, leaves and last end (the views, from the merge pass
    ``m``); max level, level change, event at the bucket's start (the sweep)."""
    sweep_b = q.bucket_of(s.moment, size)
    sweep_keys = [s.session_id] if per_session else []
    sweep_sid = s.session_id if per_session else _NO_SESSION
    return [
        *_view_bucket_parts(m, size, per_session=per_session),
        sa.select(
            *_row(
                BUCKET,
                sweep_sid,
                sweep_b,
                None,
                None,
                sa.func.max(sa.case((s.settled == 1, s.level))),  # levels that held, not passing ones
                sa.func.sum(s.delta),
                sa.func.max(sa.case((s.moment == sweep_b, 1), else_=0)),
            )
        ).group_by(*sweep_keys, sweep_b),
    ]


def _view_bucket_parts(m, size: int, *, per_session: bool) -> list:
    """Joins (count, first start) per bucket of the start, leaves (closed views, last end) per bucket of the end,
    from the merge pass's view columns (``s``, ``e``, ``open``).

    An open view has not left, but its bucket still gets the last end (with 0 leaves). PostgreSQL counts
    both in ONE pass over the rows (grouping sets); SQLite reads them once per kind.
    """
    keys = [m.session_id] if per_session else []
    sid = m.session_id if per_session else _NO_SESSION
    if q.dialect() != "postgresql":
        joins_b, leaves_b = q.bucket_of(m.s, size), q.bucket_of(m.e, size)
        left = sa.func.sum(1 - m.open)  # closed views
        return [
            sa.select(*_row(BUCKET, sid, joins_b, sa.func.count(), None, None, None, None, sa.func.min(m.s))).group_by(
                *keys, joins_b
            ),
            sa.select(*_row(BUCKET, sid, leaves_b, None, left, *[None] * 4, sa.func.max(m.e))).group_by(
                *keys, leaves_b
            ),
        ]
    keyed = sa.select(
        *keys, m.s, m.e, m.open, q.bucket_of(m.s, size).label("joins_b"), q.bucket_of(m.e, size).label("leaves_b")
    ).subquery("view_buckets")
    k = keyed.c
    kkeys = [k.session_id] if per_session else []
    joins = sa.func.grouping(k.joins_b) == 0
    leaves = sa.func.grouping(k.leaves_b) == 0
    return [
        sa.select(
            *_row(
                BUCKET,
                k.session_id if per_session else _NO_SESSION,
                sa.func.coalesce(k.joins_b, k.leaves_b),
                sa.case((joins, sa.func.count())),
                sa.case((leaves, sa.func.sum(1 - k.open))),
                None,
                None,
                None,
                sa.case((joins, sa.func.min(k.s))),
                sa.case((leaves, sa.func.max(k.e))),
            )
        ).group_by(sa.func.grouping_sets(sa.tuple_(*kkeys, k.joins_b), sa.tuple_(*kkeys, k.leaves_b)))
    ]
