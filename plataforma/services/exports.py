"""CSV exports (SPEC §13): streamed, RFC 4180, UTF-8, spreadsheet-safe.

Each export is a header plus rows read with ``yield_per`` (a server-side cursor on
PostgreSQL), written :data:`CHUNK_ROWS` at a time, so memory stays flat however big
the session is. Cells that a spreadsheet would read as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or CR) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import sqlalchemy as sa

from plataforma.errors import NotFound
from plataforma.extensions import db
from plataforma.models import (
    EventUser,
    Message,
    Poll,
    PollOption,
    PollVote,
    Profile,
    Question,
    Survey,
    SurveyField,
    SurveyResponse,
    utcnow,
)
from plataforma.services import analytics, analytics_sql
from plataforma.services.visibility import visible_event, visible_session

CHUNK_ROWS = 500
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One CSV cell: times in ISO-8601 UTC, booleans as true/false, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(header: list[str], rows) -> Iterator[str]:
    """RFC 4180 text (CRLF line ends, minimal quoting), ``CHUNK_ROWS`` rows per yielded chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def _stream(query) -> Iterator:
    """Rows read lazily, ``CHUNK_ROWS`` at a time (the query runs when the response body is sent)."""
    yield from db.session.execute(query.execution_options(yield_per=CHUNK_ROWS))


def _messages(session_id):
    query = (
        sa.select(
            Message.id,
            Message.created_at,
            Message.user_id,
            Profile.name,
            Message.text,
            Message.is_pinned,
            Message.is_deleted,
        )
        .join(Profile, Profile.id == Message.user_id)
        .where(Message.session_id == session_id)
        .order_by(Message.created_at, Message.id)
    )
    return ["id", "createdAt", "userId", "userName", "text", "isPinned", "isDeleted"], query


def _questions(session_id):
    query = (
        sa.select(
            Question.id,
            Question.created_at,
            Question.user_id,
            Profile.name,
            Question.text,
            Question.upvotes,
            Question.is_answered,
            Question.is_hidden,
        )
        .join(Profile, Profile.id == Question.user_id)
        .where(Question.session_id == session_id)
        .order_by(Question.created_at, Question.id)
    )
    return ["id", "createdAt", "userId", "userName", "text", "upvotes", "isAnswered", "isHidden"], query


def _polls(session_id):
    votes = sa.select(sa.func.count()).where(PollVote.option_id == PollOption.id).scalar_subquery()
    query = (
        sa.select(Poll.id, Poll.created_at, Poll.question, Poll.is_active, PollOption.id, PollOption.text, votes)
        .join(PollOption, PollOption.poll_id == Poll.id)
        .where(Poll.session_id == session_id)
        .order_by(Poll.created_at, Poll.id, PollOption.position)
    )
    return ["pollId", "createdAt", "question", "isActive", "optionId", "option", "votes"], query


def _surveys(session_id):
    """One row per answer: the response's JSON is read field by field in Python (one response at a time)."""
    query = (
        sa.select(SurveyResponse, Survey.title, Profile.name)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Profile, Profile.id == SurveyResponse.user_id)
        .where(Survey.session_id == session_id)
        .order_by(Survey.created_at, Survey.id, SurveyResponse.created_at, SurveyResponse.id)
    )
    fields = {
        field.id: field
        for field in db.session.scalars(
            sa.select(SurveyField)
            .join(Survey, Survey.id == SurveyField.survey_id)
            .where(Survey.session_id == session_id)
        )
    }

    def rows():
        for response, title, name in _stream(query):
            for field_id, answer in response.responses.items():
                field = fields.get(_uuid_or_none(field_id))
                yield (
                    response.survey_id,
                    title,
                    response.id,
                    response.user_id,
                    name,
                    response.created_at,
                    field_id,
                    field.question if field else None,
                    answer,
                )

    header = ["surveyId", "survey", "responseId", "userId", "userName", "submittedAt", "fieldId", "question", "answer"]
    return header, rows


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _viewers(session_id):
    query = analytics.viewers_query(session_id, utcnow())

    def rows():
        analytics_sql.analytics_settings()  # in the transaction that reads the rows
        for row in _stream(query):
            item = analytics.viewer_item(row)
            yield (
                item["user_id"],
                item["name"],
                item["joined_at"],
                item["left_at"],
                item["watch_seconds"],
                item["live"],
            )

    return ["userId", "name", "joinedAt", "leftAt", "watchSeconds", "live"], rows


SESSION_EXPORTS: dict[str, Callable] = {
    "messages": _messages,
    "questions": _questions,
    "polls": _polls,
    "surveys": _surveys,
    "viewers": _viewers,
}


def session_export(actor: Profile, session_id, kind: str) -> tuple[str, Iterator[str]]:
    """(file name, CSV chunks) of one export of a session; 404 for an unknown kind."""
    analytics.require_moderator(actor)
    if kind not in SESSION_EXPORTS:
        raise NotFound("Unknown export.")
    session = visible_session(actor, session_id)
    header, source = SESSION_EXPORTS[kind](session.id)
    rows = source() if callable(source) else _stream(source)
    return f"session-{session.id}-{kind}.csv", csv_lines(header, rows)


def event_export(actor: Profile, event_id, kind: str) -> tuple[str, Iterator[str]]:
    analytics.require_moderator(actor)
    if kind != "attendance":
        raise NotFound("Unknown export.")
    event = visible_event(actor, event_id)
    query = (
        sa.select(
            EventUser.user_id,
            Profile.name,
            EventUser.joined_at,
            EventUser.left_at,
            EventUser.watch_time,
            EventUser.engagement_score,
        )
        .join(Profile, Profile.id == EventUser.user_id)
        .where(EventUser.event_id == event.id)
        .order_by(EventUser.engagement_score.desc(), EventUser.joined_at, EventUser.user_id)
    )
    header = ["userId", "name", "joinedAt", "leftAt", "watchSeconds", "engagementScore"]
    return f"event-{event.id}-attendance.csv", csv_lines(header, _stream(query))
