"""Attendance: who watched which session, for how long, and how engaged they were.

Joining a session opens a visit (``session_views``) and the user's attendance
row for the event (``event_users``); leaving (or disconnecting) closes the
visit and recomputes the row's watch time and engagement score.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from plataforma.extensions import db
from plataforma.models import (
    EventSession,
    EventUser,
    Message,
    Poll,
    PollVote,
    Question,
    QuestionUpvote,
    SessionView,
    Survey,
    SurveyResponse,
    utcnow,
)
from plataforma.services.sql import insert_on_conflict
from plataforma.values import as_utc

_VISIT_INSERT = sa.insert(SessionView.__table__)

# Engagement score weights (documented in the README, "Attendance and the engagement score").
POINTS_PER_WATCH_MINUTE = 1.0
WATCH_MINUTES_CAP = 240  # a full day of watching is not worth more than four hours
POINTS_PER_MESSAGE = 2.0
MESSAGES_CAP = 50  # flooding the chat does not buy engagement
POINTS_PER_QUESTION = 5.0
POINTS_PER_UPVOTE = 1.0
POINTS_PER_POLL_VOTE = 3.0
POINTS_PER_SURVEY_RESPONSE = 10.0


def engagement_score(
    watch_seconds: int, messages: int = 0, questions: int = 0, upvotes: int = 0, votes: int = 0, surveys: int = 0
) -> float:
    """The engagement score of one user at one event (rounded to 2 decimals)."""
    watch_minutes = min(max(watch_seconds, 0) / 60, WATCH_MINUTES_CAP)
    score = (
        POINTS_PER_WATCH_MINUTE * watch_minutes
        + POINTS_PER_MESSAGE * min(messages, MESSAGES_CAP)
        + POINTS_PER_QUESTION * questions
        + POINTS_PER_UPVOTE * upvotes
        + POINTS_PER_POLL_VOTE * votes
        + POINTS_PER_SURVEY_RESPONSE * surveys
    )
    return round(score, 2)


def union_seconds(intervals: list[tuple[datetime, datetime]]) -> int:
    """Seconds covered by the union of ``intervals`` (two tabs at once count once)."""
    total = 0.0
    current_start = current_end = None
    for start, end in sorted((as_utc(s), as_utc(e)) for s, e in intervals):
        if end <= start:
            continue
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return int(total)


def _attendance_row(event_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> EventUser:
    query = sa.select(EventUser).where(EventUser.event_id == event_id, EventUser.user_id == user_id)
    row = db.session.scalar(query)
    if row is not None:
        return row
    # Another tab may create it at the same moment: the insert then waits for that transaction and
    # inserts nothing, and the row is read again (a savepoint around a plain insert took two more
    # round trips, SAVEPOINT and RELEASE, and a subtransaction).
    statement = (
        insert_on_conflict(EventUser, db.session.get_bind().dialect.name)
        .values(event_id=event_id, user_id=user_id, joined_at=now, watch_time=0, engagement_score=0)
        .on_conflict_do_nothing(index_elements=[EventUser.event_id, EventUser.user_id])
        .returning(EventUser)
    )
    row = db.session.scalar(statement)
    return row if row is not None else db.session.scalar(query)


def start_visit(viewer_id, session: EventSession, *, guest: bool = False, at: datetime | None = None) -> SessionView:
    """Open a visit of ``session`` and mark the user present at its event. A guest's visit (SPEC §12)
    is anonymous: no user, the guest's id, and no attendance row (there is no profile to count).

    Two Core statements, no ORM unit of work: with a thousand clients arriving at once the visit took
    over a quarter of the CPU, mostly the ORM's side of the visit's insert (its autoflush) and of the
    attendance row's read and insert (docs/benchmarks.md). The visit is then attached to the session
    as the stored row it is, so that later code in the transaction finds it without a query."""
    now = at or utcnow()
    user_id, guest_id = (None, viewer_id) if guest else (viewer_id, None)
    values = {"id": uuid.uuid4(), "session_id": session.id, "user_id": user_id, "guest_id": guest_id, "joined_at": now}
    db.session.execute(_VISIT_INSERT, values)
    view = SessionView(**values, left_at=None)
    make_transient_to_detached(view)
    db.session.add(view)
    if not guest:
        _mark_present(session.event_id, user_id, now)
    return view


def _mark_present(event_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
    """The user's attendance row at the event, created or reopened (``left_at`` cleared) in one statement.
    Another tab creating it at the same moment makes this one wait for that transaction and then
    reopen the row it inserted; a row already open is left as it is (no write)."""
    row = {
        "id": uuid.uuid4(),
        "event_id": event_id,
        "user_id": user_id,
        "joined_at": now,
        "left_at": None,
        "watch_time": 0,
        "engagement_score": 0,
        "created_at": now,
        "updated_at": now,
    }
    changed = db.session.execute(_reopening(db.session.get_bind().dialect.name), row).scalar()
    loaded = changed and db.session.identity_map.get(identity_key(EventUser, changed))
    if loaded:  # this transaction had read the row: its left_at and updated_at are stale now
        db.session.expire(loaded, ["left_at", "updated_at"])


@functools.cache
def _reopening(dialect: str):
    """:func:`_mark_present`'s statement for ``dialect``, built once (building it took a third of its CPU)."""
    table = EventUser.__table__
    insert = insert_on_conflict(table, dialect)
    return insert.on_conflict_do_update(
        index_elements=[table.c.event_id, table.c.user_id],
        set_={"left_at": None, "updated_at": insert.excluded.updated_at},
        where=table.c.left_at.is_not(None),
    ).returning(table.c.id)


def close_visit(view_id, *, at: datetime | None = None) -> bool:
    """Close a visit (a user's also updates their attendance row); False if it was already closed."""
    return _close(view_id, at)[0]


def end_visit(view_id, *, at: datetime | None = None) -> EventUser | None:
    """Close a visit and bring the user's attendance row up to date (None if already closed, or a guest's)."""
    return _close(view_id, at)[1]


def _close(view_id, at: datetime | None) -> tuple[bool, EventUser | None]:
    view = db.session.get(SessionView, view_id)
    if view is None or view.left_at is not None:
        return False, None
    now = at or utcnow()
    view.left_at = max(now, as_utc(view.joined_at))
    if view.user_id is None:  # a guest: the visit is the whole record
        db.session.flush()
        return True, None
    session = db.session.get(EventSession, view.session_id)
    row = _attendance_row(session.event_id, view.user_id, now)
    db.session.flush()
    # The user left the event only when no visit of theirs to its sessions is still open (another tab).
    latest, still_open = db.session.execute(
        sa.select(sa.func.max(SessionView.left_at), sa.func.count(sa.case((SessionView.left_at.is_(None), 1))))
        .join(EventSession, EventSession.id == SessionView.session_id)
        .where(EventSession.event_id == session.event_id, SessionView.user_id == view.user_id)
    ).one()
    row.left_at = None if still_open else (latest or view.left_at)
    db.session.flush()
    refresh_engagement(row)
    return True, row


def activity_counts(event_id, user_id) -> dict[str, int]:
    """What the user did at the event, in one query."""
    sessions = sa.select(EventSession.id).where(EventSession.event_id == event_id)
    count = sa.func.count()
    counts = (
        sa.select(count)
        .select_from(Message)
        .where(Message.user_id == user_id, Message.is_deleted.is_(False), Message.session_id.in_(sessions)),
        sa.select(count).select_from(Question).where(Question.user_id == user_id, Question.session_id.in_(sessions)),
        sa.select(count)
        .select_from(QuestionUpvote)
        .join(Question, Question.id == QuestionUpvote.question_id)
        .where(QuestionUpvote.user_id == user_id, Question.session_id.in_(sessions)),
        sa.select(count)
        .select_from(PollVote)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(PollVote.user_id == user_id, Poll.session_id.in_(sessions)),
        sa.select(count)
        .select_from(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.user_id == user_id, Survey.session_id.in_(sessions)),
    )
    row = db.session.execute(sa.select(*(query.scalar_subquery() for query in counts))).one()
    return dict(zip(("messages", "questions", "upvotes", "votes", "surveys"), row, strict=True))


def watch_seconds(event_id, user_id) -> int:
    """Time covered by the user's closed visits to the event's sessions."""
    visits = db.session.execute(
        sa.select(SessionView.joined_at, SessionView.left_at)
        .join(EventSession, EventSession.id == SessionView.session_id)
        .where(EventSession.event_id == event_id, SessionView.user_id == user_id, SessionView.left_at.is_not(None))
    ).all()
    return union_seconds([(joined, left) for joined, left in visits])


def refresh_engagement(row: EventUser) -> EventUser:
    """Recompute watch time and engagement score of an attendance row."""
    row.watch_time = watch_seconds(row.event_id, row.user_id)
    row.engagement_score = engagement_score(row.watch_time, **activity_counts(row.event_id, row.user_id))
    db.session.flush()
    return row
