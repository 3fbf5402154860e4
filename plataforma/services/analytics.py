"""Session and event analytics (SPEC §13), computed by the database in a bounded number of queries.

Definitions (exact, the tests compare them with hand-computed fixtures):

* a *view* is one join…leave of one socket (a ``session_views`` row); open views last until now;
* a *viewer* is :func:`analytics_sql.viewer_key` (a user; a guest once guests exist);
* a viewer's watch time is the union of their views (two tabs are not double time), floored to seconds;
* ``peakConcurrent`` is the most viewers watching at one instant and ``peakAt`` the first such instant
  (intervals are half-open: a viewer leaving at 10:00 and another joining at 10:00 never overlap);
* retention percentiles are nearest-rank over viewers' watch times;
* the timeline has one bucket per hour (or minute) from the first join to the last leave (or now);
  ``joins``/``leaves`` count views, ``peakConcurrent`` counts viewers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from plataforma.errors import Forbidden, ValidationFailed
from plataforma.extensions import db
from plataforma.models import (
    EventSession,
    EventUser,
    Message,
    Poll,
    PollVote,
    Profile,
    Question,
    QuestionUpvote,
    SessionView,
    Survey,
    SurveyResponse,
    utcnow,
)
from plataforma.services import analytics_sql as q
from plataforma.services import commerce_figures
from plataforma.services.visibility import visible_event, visible_session

PERCENTILES = (25, 50, 75, 90)
BUCKETS = {"hour": 3600, "minute": 60}
MAX_BUCKETS = 20_000  # about two weeks of minutes


def require_moderator(actor: Profile | None) -> None:
    if actor is None or not actor.is_moderator:
        raise Forbidden("Only moderators and admins can see analytics.")


def _iso_seconds(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def live_viewers(session_id) -> int:
    """Viewers in the room now, over every server process (the realtime presence counts)."""
    presence = current_app.extensions.get("plataforma.presence")
    return presence.count(session_id) if presence is not None else 0


# One session


def session_analytics(actor: Profile, session_id, *, bucket: str = "hour", now: datetime | None = None) -> dict:
    require_moderator(actor)
    session = visible_session(actor, session_id)
    now = now or utcnow()
    figures, buckets = _viewer_figures([session.id], now, bucket_size=BUCKETS[bucket])
    return {
        "session_id": session.id,
        "live_viewers": live_viewers(session.id),
        **figures[session.id],
        "timeline": _timeline(buckets, figures[session.id].pop("span"), BUCKETS[bucket]),
        "engagement": {
            **engagement_counts([session.id])[session.id],
            "reactions": commerce_figures.reactions(session.id),
        },
        "products": commerce_figures.products(session.id, now),
    }


def _empty_figures() -> dict:
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


VIEWERS, VIEWS, PEAK, BUCKET = 1, 2, 3, 4
_SLOTS = 7


def _row(kind: int, session_id, bucket=None, *values) -> list:
    """One row of the combined figures query: kind, session, bucket, then ``_SLOTS`` numbers."""
    numbers = [sa.cast(value, sa.Float) for value in values]
    numbers += [sa.cast(sa.null(), sa.Float)] * (_SLOTS - len(numbers))
    bucket = sa.cast(bucket if bucket is not None else sa.null(), sa.Float)
    columns = [sa.literal(kind).label("kind"), session_id.label("sid"), bucket.label("b")]
    return columns + [number.label(f"x{i}") for i, number in enumerate(numbers)]


def _viewer_figures(session_ids: list, now: datetime, *, bucket_size: int | None = None) -> tuple[dict, list]:
    """Every viewer figure of each session in ONE statement (the merged views are computed once).

    The statement is a UNION ALL of row kinds: per-viewer aggregates (viewers, watch time,
    percentiles), view counts with the time span, the peak, and (for one session) timeline buckets.
    """
    q.roomy_sorts()
    views = q.views(session_ids, now)
    merged = q.merged(views)
    watch = q.watch_per_viewer(merged)
    sweep = q.sweep(merged)
    v, s, w = views.c, sweep.c, watch.c

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
        ),
        sa.select(*_row(VIEWS, v.session_id, None, sa.func.count(), sa.func.min(v.s), sa.func.max(v.e))).group_by(
            v.session_id
        ),
    ]
    # The peak: the highest level and the first moment it is reached (no sort of the sweep needed).
    tops = sa.select(s.session_id, sa.func.max(s.level).label("top")).group_by(s.session_id).subquery()
    parts.append(
        sa.select(*_row(PEAK, s.session_id, None, tops.c.top, sa.func.min(s.moment)))
        .join(tops, sa.and_(tops.c.session_id == s.session_id, tops.c.top == s.level))
        .group_by(s.session_id, tops.c.top)
    )
    if bucket_size is not None:
        parts.extend(_bucket_parts(v, s, bucket_size))
    result = {sid: _empty_figures() for sid in session_ids}
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
            figures["peak_at"] = _iso_seconds(row.x1)
        elif row.kind == BUCKET:
            buckets.append(row)
    return result, buckets


def viewer_figures(session_ids: list, now: datetime) -> dict:
    """Views, viewers, watch time, retention and peak of each session (one statement)."""
    figures, _ = _viewer_figures(session_ids, now)
    for item in figures.values():
        item.pop("span")
    return figures


def _bucket_parts(v, s, size: int) -> list:
    """Timeline rows per bucket: joins, leaves (views); max level, level change, event at the bucket's start."""
    joins_b, leaves_b, sweep_b = q.bucket_of(v.s, size), q.bucket_of(v.e, size), q.bucket_of(s.moment, size)
    return [
        sa.select(*_row(BUCKET, v.session_id, joins_b, sa.func.count())).group_by(v.session_id, joins_b),
        sa.select(*_row(BUCKET, v.session_id, leaves_b, None, sa.func.count()))
        .where(v.open == 0)
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


def _timeline(rows: list, span, size: int) -> list[dict]:
    """Buckets from the first join to the last leave (or now), empty ones included (a loop over buckets)."""
    if span is None:
        return []
    first, last = int(span[0] // size) * size, int(span[1] // size) * size
    if (last - first) // size + 1 > MAX_BUCKETS:
        raise ValidationFailed(
            "The timeline would have too many buckets; use a larger bucket.",
            fields={"bucket": [f"At most {MAX_BUCKETS} buckets."]},
        )
    by_bucket: dict[int, dict] = {}
    for row in rows:
        item = by_bucket.setdefault(int(row.b), {"joins": 0, "leaves": 0, "peak": None, "delta": 0, "at_start": 0})
        item["joins"] += int(row.x0 or 0)
        item["leaves"] += int(row.x1 or 0)
        if row.x2 is not None:
            item["peak"], item["delta"], item["at_start"] = int(row.x2), int(row.x3), int(row.x4)

    buckets, level = [], 0
    for start in range(first, last + size, size):
        item = by_bucket.get(start, {"joins": 0, "leaves": 0, "peak": None})
        peak = level
        if item["peak"] is not None:
            # The level carried in from before counts only if nothing happens at the bucket's first instant.
            peak = max(item["peak"], 0 if item["at_start"] else level)
            level += item["delta"]
        buckets.append(
            {"start": _iso_seconds(start), "joins": item["joins"], "leaves": item["leaves"], "peak_concurrent": peak}
        )
    return buckets


def engagement_counts(session_ids: list) -> dict:
    """Messages (not deleted), questions, upvotes, poll votes and survey responses per session: one query."""
    count = sa.func.count()
    sources = {
        "messages": sa.select(Message.session_id.label("sid"), count.label("n"))
        .where(Message.is_deleted.is_(False), Message.session_id.in_(session_ids))
        .group_by(Message.session_id),
        "questions": sa.select(Question.session_id, count)
        .where(Question.session_id.in_(session_ids))
        .group_by(Question.session_id),
        "upvotes": sa.select(Question.session_id, count)
        .select_from(QuestionUpvote)
        .join(Question, Question.id == QuestionUpvote.question_id)
        .where(Question.session_id.in_(session_ids))
        .group_by(Question.session_id),
        "poll_votes": sa.select(Poll.session_id, count)
        .select_from(PollVote)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(Poll.session_id.in_(session_ids))
        .group_by(Poll.session_id),
        "survey_responses": sa.select(Survey.session_id, count)
        .select_from(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(Survey.session_id.in_(session_ids))
        .group_by(Survey.session_id),
    }
    names = list(sources)
    tagged = sa.union_all(*(query.add_columns(sa.literal(name).label("kind")) for name, query in sources.items()))
    result = {sid: dict.fromkeys(names, 0) for sid in session_ids}
    for sid, n, kind in db.session.execute(tagged):
        result[sid][kind] = n
    return result


# Viewers list


def viewers(
    actor: Profile,
    session_id,
    *,
    live: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> list[dict]:
    """Each viewer once: first join, last leave (null while watching), union watch time; longest first."""
    require_moderator(actor)
    session = visible_session(actor, session_id)
    query = viewers_query(session.id, now or utcnow(), live=live).limit(limit).offset(offset)
    return [viewer_item(row) for row in db.session.execute(query)]


def viewers_query(session_id, now: datetime, *, live: bool | None = None) -> sa.Select:
    views = q.views([session_id], now)
    watch = q.watch_per_viewer(q.merged(views))
    v = views.c
    per_viewer = (
        sa.select(
            v.viewer,
            sa.func.min(v.s).label("joined"),
            sa.func.max(v.e).label("last"),
            sa.func.max(v.open).label("live"),
        )
        .group_by(v.viewer)
        .subquery()
    )
    query = (
        sa.select(per_viewer, watch.c.watch, Profile.name)
        .join(watch, watch.c.viewer == per_viewer.c.viewer)
        .outerjoin(Profile, Profile.id == per_viewer.c.viewer)
        .order_by(watch.c.watch.desc(), per_viewer.c.joined, per_viewer.c.viewer)
    )
    if live is not None:
        query = query.where(per_viewer.c.live == (1 if live else 0))
    return query


def viewer_item(row) -> dict:
    """A row of :func:`viewers_query` as the API shapes it (guests: no user id, no name)."""
    return {
        "user_id": row.viewer if row.name is not None else None,
        "name": row.name,
        "joined_at": _iso_seconds(row.joined),
        "left_at": None if row.live else _iso_seconds(row.last),
        "watch_seconds": int(row.watch),
        "live": bool(row.live),
    }


# One event


def event_analytics(actor: Profile, event_id, *, now: datetime | None = None) -> dict:
    require_moderator(actor)
    event = visible_event(actor, event_id)
    now = now or utcnow()
    sessions = list(
        db.session.scalars(
            sa.select(EventSession.id)
            .where(EventSession.event_id == event.id)
            .order_by(EventSession.start_time.asc().nulls_last(), EventSession.created_at, EventSession.id)
        )
    )
    figures = viewer_figures(sessions, now) if sessions else {}
    engagement = engagement_counts(sessions) if sessions else {}
    overall = _event_overall(event.id, now)
    return {
        "event_id": event.id,
        **overall,
        "sessions": [
            {
                "session_id": sid,
                "live_viewers": live_viewers(sid),
                **figures[sid],
                "engagement": {**engagement[sid], "reactions": commerce_figures.reactions(sid)},
            }
            for sid in sessions
        ],
        "top_attendees": top_attendees(event.id),
    }


def _event_overall(event_id, now: datetime) -> dict:
    """Viewers, peak and union watch time over all the event's sessions (a viewer in two rooms counts once)."""
    views = q.views(SessionView.session_id.in_(q.session_ids_of_event(event_id)), now)
    merged = q.merged(views, per_session=False)
    watch = q.watch_per_viewer(merged, per_session=False)
    viewers_n, total = db.session.execute(sa.select(sa.func.count(), sa.func.sum(watch.c.watch))).one()
    s = q.sweep(merged, per_session=False).c
    peak = db.session.execute(sa.select(s.level, s.moment).order_by(s.level.desc(), s.moment).limit(1)).first()
    return {
        "unique_viewers": viewers_n,
        "peak_concurrent": int(peak.level) if peak and peak.level > 0 else 0,
        "peak_at": _iso_seconds(peak.moment) if peak and peak.level > 0 else None,
        "total_watch_seconds": int(total or 0),
    }


def top_attendees(event_id, limit: int = 10) -> list[dict]:
    query = (
        sa.select(EventUser.user_id, Profile.name, EventUser.watch_time, EventUser.engagement_score)
        .join(Profile, Profile.id == EventUser.user_id)
        .where(EventUser.event_id == event_id)
        .order_by(EventUser.engagement_score.desc(), EventUser.watch_time.desc(), EventUser.user_id)
        .limit(limit)
    )
    return [
        {"user_id": uid, "name": name, "watch_seconds": watch, "engagement_score": score}
        for uid, name, watch, score in db.session.execute(query)
    ]
