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
    Survey,
    SurveyResponse,
    utcnow,
)
from plataforma.services import analytics_sql as q
from plataforma.services import commerce_figures
from plataforma.services.analytics_figures import empty_figures, viewer_figures
from plataforma.services.visibility import visible_event, visible_session

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
    figures, buckets = viewer_figures([session.id], now, bucket_size=BUCKETS[bucket])
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
    q.analytics_settings()
    query = viewers_query(session.id, now or utcnow(), live=live).limit(limit).offset(offset)
    return [viewer_item(row) for row in db.session.execute(query)]


def viewers_query(session_id, now: datetime, *, live: bool | None = None) -> sa.Select:
    """Each viewer's first join, last end, live flag and watch time: one group-by over the merge pass.

    The merge pass comes out in viewer order (from the index), so PostgreSQL groups it as it streams.
    """
    m = q.merged(q.views([session_id], now), per_session=False, view_columns=True).c
    per_viewer = (
        sa.select(
            m.viewer,
            sa.func.min(m.s).label("joined"),
            sa.func.max(m.e).label("last"),
            sa.func.max(m.open).label("live"),
            q.to_int(sa.func.sum(m.adds)).label("watch"),
        )
        .group_by(m.viewer)
        .subquery()
    )
    query = (
        sa.select(per_viewer, Profile.name)
        .outerjoin(Profile, Profile.id == per_viewer.c.viewer)
        .order_by(per_viewer.c.watch.desc(), per_viewer.c.joined, per_viewer.c.viewer)
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
    figures = viewer_figures(sessions, now, overall=True)[0] if sessions else {}
    for item in figures.values():
        item.pop("span")
    engagement = engagement_counts(sessions) if sessions else {}
    reactions = commerce_figures.reactions_of(sessions) if sessions else {}
    overall = figures.pop(None, empty_figures())
    return {
        "event_id": event.id,
        **{key: overall[key] for key in ("unique_viewers", "peak_concurrent", "peak_at", "total_watch_seconds")},
        "sessions": [
            {
                "session_id": sid,
                "live_viewers": live_viewers(sid),
                **figures[sid],
                "engagement": {**engagement[sid], "reactions": reactions[sid]},
            }
            for sid in sessions
        ],
        "top_attendees": top_attendees(event.id),
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
