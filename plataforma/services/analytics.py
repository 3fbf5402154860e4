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
    figures = viewer_figures([session.id], now)[session.id]
    return {
        "session_id": session.id,
        "live_viewers": live_viewers(session.id),
        **figures,
        "timeline": timeline(session.id, now, bucket),
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
    }


def viewer_figures(session_ids: list, now: datetime) -> dict:
    """Views, viewers, watch time, retention and peak of each session: three queries in all."""
    views = q.views(session_ids, now)
    islands = q.islands(views)
    watch = q.watch_per_viewer(islands)
    result = {sid: _empty_figures() for sid in session_ids}

    w = watch.c
    ranked = sa.select(
        w.session_id,
        w.watch,
        sa.func.row_number().over(partition_by=w.session_id, order_by=w.watch).label("rank"),
        sa.func.count().over(partition_by=w.session_id).label("n"),
    ).cte("ranked")
    r = ranked.c
    # Nearest rank: the ceil(p/100 * n)-th smallest, in integer arithmetic.
    percentile_cols = [
        sa.func.max(sa.case((r.rank == (p * r.n + 99) // 100, r.watch))).label(f"p{p}") for p in PERCENTILES
    ]
    per_viewer = sa.select(
        r.session_id, sa.func.count().label("viewers"), sa.func.sum(r.watch).label("total"), *percentile_cols
    ).group_by(r.session_id)
    for row in db.session.execute(per_viewer):
        figures = result[row.session_id]
        figures["unique_viewers"] = row.viewers
        figures["total_watch_seconds"] = int(row.total or 0)
        figures["avg_watch_seconds"] = round(figures["total_watch_seconds"] / row.viewers, 2) if row.viewers else 0.0
        figures["retention"] = {f"p{p}": int(getattr(row, f"p{p}") or 0) for p in PERCENTILES}

    counts = sa.select(views.c.session_id, sa.func.count()).group_by(views.c.session_id)
    for sid, total in db.session.execute(counts):
        result[sid]["total_views"] = total

    for sid, level, at in db.session.execute(_peaks(q.sweep(islands), per_session=True)):
        result[sid]["peak_concurrent"] = int(level)
        result[sid]["peak_at"] = _iso_seconds(at)
    return result


def _peaks(sweep, *, per_session: bool) -> sa.Select:
    """The highest level and the first time it is reached (per session, or overall)."""
    s = sweep.c
    partition = [s.session_id] if per_session else None
    best = sa.select(
        *([s.session_id] if per_session else []),
        s.level,
        s.moment,
        sa.func.row_number()
        .over(partition_by=partition, order_by=(s.level.desc(), s.moment, s.delta.desc()))
        .label("place"),
    ).subquery()
    return sa.select(*([best.c.session_id] if per_session else []), best.c.level, best.c.moment).where(
        best.c.place == 1
    )


def timeline(session_id, now: datetime, bucket: str = "hour") -> list[dict]:
    """Buckets from the first join to the last leave (or now), empty ones included; two queries."""
    size = BUCKETS[bucket]
    views = q.views([session_id], now)
    v = views.c
    span = db.session.execute(sa.select(sa.func.min(v.s), sa.func.max(v.e))).one()
    if span[0] is None:
        return []
    first, last = int(span[0] // size) * size, int(span[1] // size) * size
    if (last - first) // size + 1 > MAX_BUCKETS:
        raise ValidationFailed(
            "The timeline would have too many buckets; use a larger bucket.",
            fields={"bucket": [f"At most {MAX_BUCKETS} buckets."]},
        )

    s = q.sweep(q.islands(views)).c

    def part(time_col, **figures):
        # One row per bucket: b, joins, leaves, max level, level change, first event time, event at the start.
        b = q.bucket_of(time_col, size)
        names = ("joins", "leaves", "peak", "delta", "first", "at_start")
        cols = [figures.get(name, sa.cast(sa.null(), sa.Float)).label(name) for name in names]
        return sa.select(b.label("b"), *cols).group_by(b)

    parts = sa.union_all(
        part(v.s, joins=sa.func.count()),
        part(v.e, leaves=sa.func.count()).where(v.open == 0),
        part(
            s.moment,
            peak=sa.func.max(s.level),
            delta=sa.func.sum(s.delta),
            first=sa.func.min(s.moment),
            at_start=sa.func.max(sa.case((s.moment == q.bucket_of(s.moment, size), 1), else_=0)),
        ),
    ).subquery()
    c = parts.c
    rows = db.session.execute(
        sa.select(
            c.b,
            sa.func.sum(c.joins),
            sa.func.sum(c.leaves),
            sa.func.max(c.peak),
            sa.func.sum(c.delta),
            sa.func.min(c.first),
            sa.func.max(c.at_start),
        ).group_by(c.b)
    ).all()
    by_bucket = {int(row[0]): row for row in rows}

    buckets, level = [], 0
    for start in range(first, last + size, size):
        row = by_bucket.get(start)
        joins_n = leaves_n = 0
        peak = level
        if row is not None:
            joins_n, leaves_n = int(row[1] or 0), int(row[2] or 0)
            if row[3] is not None:
                # The level carried in from before counts only if nothing happens at the bucket's first instant.
                at_start = bool(row[6])
                peak = max(int(row[3]), 0 if at_start else level)
                level += int(row[4])
        buckets.append({"start": _iso_seconds(start), "joins": joins_n, "leaves": leaves_n, "peak_concurrent": peak})
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
    now = now or utcnow()
    views = q.views([session.id], now)
    watch = q.watch_per_viewer(q.islands(views))
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
        .limit(limit)
        .offset(offset)
    )
    if live is not None:
        query = query.where(per_viewer.c.live == (1 if live else 0))
    return [
        {
            "user_id": row.viewer if row.name is not None else None,
            "name": row.name,
            "joined_at": _iso_seconds(row.joined),
            "left_at": None if row.live else _iso_seconds(row.last),
            "watch_seconds": int(row.watch),
            "live": bool(row.live),
        }
        for row in db.session.execute(query)
    ]


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
    islands = q.islands(views, per_session=False)
    watch = q.watch_per_viewer(islands, per_session=False)
    viewers_n, total = db.session.execute(sa.select(sa.func.count(), sa.func.sum(watch.c.watch))).one()
    peak = db.session.execute(_peaks(q.sweep(islands, per_session=False), per_session=False)).first()
    return {
        "unique_viewers": viewers_n,
        "peak_concurrent": int(peak.level) if peak else 0,
        "peak_at": _iso_seconds(peak.moment) if peak else None,
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
