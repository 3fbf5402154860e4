"""Search and discovery (SPEC §14).

Matching: every word of ``q`` must be a prefix of a word of the searched fields, case-
and accent-insensitively. The fields' words are kept normalised in ``search_text`` (see
:mod:`plataforma.models.search`), so a word is ``search_text LIKE '% word%'`` on both
databases; on PostgreSQL a pg_trgm GIN index serves it. Ranking: rows whose title (name)
alone matches every word come first, then newest (events by start time).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from plataforma.extensions import db
from plataforma.models import (
    Event,
    EventSession,
    EventStatus,
    Message,
    Poll,
    PollVote,
    Product,
    Profile,
    Project,
    ProjectStatus,
    Question,
    QuestionUpvote,
    SessionView,
    Survey,
    SurveyResponse,
    utcnow,
)
from plataforma.models.search import words
from plataforma.services.analytics_sql import viewer_key
from plataforma.services.visibility import is_admin, published_events

TYPES = ("events", "sessions", "products")
DISCOVER_LIMIT = 10


def _matches(column, terms: list[str]):
    return sa.and_(*(column.like(f"% {term}%") for term in terms))


def _rank(model, terms: list[str]):
    """0 when the title (name) alone matches every word, else 1."""
    return sa.case((_matches(model.search_title, terms), 0), else_=1)


def has_tag(tag: str):
    """``events.tags`` contains ``tag`` (already lower-cased): JSONB containment or SQLite's json_each."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.type_coerce(Event.tags, JSONB).contains([tag])  # served by the GIN index ix_events_tags
    each = sa.func.json_each(Event.tags).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))


def event_filters(query: sa.Select, *, status=None, category: str | None = None, tag: str | None = None):
    if status is not None:
        query = query.where(Event.status == status)
    if category is not None:
        query = query.where(sa.func.lower(Event.category) == category.lower())
    if tag is not None:
        query = query.where(has_tag(tag.lower()))
    return query


def _page(query: sa.Select, order, limit: int, offset: int) -> tuple[list, int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.order_by(*order).limit(limit).offset(offset))) if total else []
    return items, total


def search(
    actor: Profile,
    q: str,
    *,
    type: str = "all",
    status=None,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict:
    terms = words(q)
    result = {"query": q, "events": [], "sessions": [], "products": [], "totals": dict.fromkeys(TYPES, 0)}
    if not terms:  # only punctuation: nothing can match
        return result
    wanted = TYPES if type == "all" else (type,)
    if "events" in wanted:
        query = event_filters(
            published_events(sa.select(Event), actor).where(_matches(Event.search_text, terms)),
            status=status,
            category=category,
        )
        order = (_rank(Event, terms), Event.start_time.desc().nulls_last(), Event.created_at.desc(), Event.id)
        result["events"], result["totals"]["events"] = _page(query, order, limit, offset)
    if "sessions" in wanted:
        query = event_filters(
            sa.select(EventSession)
            .join(Event, Event.id == EventSession.event_id)
            .where(_matches(EventSession.search_text, terms)),
            status=status,
            category=category,
        )
        if not is_admin(actor):
            query = query.join(Project, Project.id == Event.project_id).where(Project.status != ProjectStatus.DRAFT)
        order = (
            _rank(EventSession, terms),
            EventSession.start_time.desc().nulls_last(),
            EventSession.created_at.desc(),
            EventSession.id,
        )
        result["sessions"], result["totals"]["sessions"] = _page(query, order, limit, offset)
    if "products" in wanted:
        query = sa.select(Product).where(_matches(Product.search_text, terms))
        if category is not None:
            query = query.where(sa.func.lower(Product.category) == category.lower())
        if min_price is not None:
            query = query.where(Product.price >= min_price)
        if max_price is not None:
            query = query.where(Product.price <= max_price)
        if in_stock is not None:
            query = query.where(Product.in_stock.is_(in_stock))
        order = (_rank(Product, terms), Product.created_at.desc(), Product.id)
        result["products"], result["totals"]["products"] = _page(query, order, limit, offset)
    return result


# Discovery


def discover(actor: Profile, *, now=None) -> dict:
    """Live (latest start first), upcoming (soonest first) and trending events, 10 each."""
    now = now or utcnow()
    visible = published_events(sa.select(Event), actor)
    live = visible.where(Event.status == EventStatus.LIVE).order_by(
        Event.start_time.desc().nulls_last(), Event.created_at.desc(), Event.id
    )
    upcoming = visible.where(Event.status == EventStatus.SCHEDULED, Event.start_time > now).order_by(
        Event.start_time, Event.created_at, Event.id
    )
    return {
        "live": list(db.session.scalars(live.limit(DISCOVER_LIMIT))),
        "upcoming": list(db.session.scalars(upcoming.limit(DISCOVER_LIMIT))),
        "trending": trending(actor, now),
    }


def trending(actor: Profile, now) -> list[Event]:
    """Events by viewers watching now (open visits), then by interactions in the last 24 hours.

    Interactions: chat messages, questions, upvotes, poll votes and survey responses in the
    event's sessions. Events with neither are not trending.
    """
    since = now - timedelta(hours=24)
    in_sessions = sa.select(EventSession.event_id, EventSession.id.label("session_id")).subquery()
    watching = (
        sa.select(in_sessions.c.event_id, sa.func.count(sa.distinct(viewer_key())).label("viewers"))
        .join(in_sessions, in_sessions.c.session_id == SessionView.session_id)
        .where(SessionView.left_at.is_(None))
        .group_by(in_sessions.c.event_id)
        .subquery()
    )
    recent = sa.union_all(
        sa.select(Message.session_id.label("session_id")).where(Message.created_at >= since),
        sa.select(Question.session_id).where(Question.created_at >= since),
        sa.select(Question.session_id)
        .join(QuestionUpvote, QuestionUpvote.question_id == Question.id)
        .where(QuestionUpvote.created_at >= since),
        sa.select(Poll.session_id).join(PollVote, PollVote.poll_id == Poll.id).where(PollVote.created_at >= since),
        sa.select(Survey.session_id)
        .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .where(SurveyResponse.created_at >= since),
    ).subquery()
    interactions = (
        sa.select(in_sessions.c.event_id, sa.func.count().label("interactions"))
        .join(recent, recent.c.session_id == in_sessions.c.session_id)
        .group_by(in_sessions.c.event_id)
        .subquery()
    )
    viewers_n = sa.func.coalesce(watching.c.viewers, 0)
    interactions_n = sa.func.coalesce(interactions.c.interactions, 0)
    query = (
        published_events(sa.select(Event), actor)
        .outerjoin(watching, watching.c.event_id == Event.id)
        .outerjoin(interactions, interactions.c.event_id == Event.id)
        .where(sa.or_(viewers_n > 0, interactions_n > 0))
        .order_by(viewers_n.desc(), interactions_n.desc(), Event.start_time.desc().nulls_last(), Event.id)
        .limit(DISCOVER_LIMIT)
    )
    return list(db.session.scalars(query))
