"""Product and reaction figures of a session, from the live-commerce tables (SPEC §10, §13)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Product, SessionProduct
from plataforma.models.commerce import REACTION_TYPES, ProductClick, ProductFeatureSpan, ReactionTotal
from plataforma.services.analytics_sql import epoch


def reactions(session_id) -> dict[str, int]:
    return reactions_of([session_id])[session_id]


def reactions_of(session_ids: list) -> dict:
    """{session id: {reaction type: count}} of several sessions, in one query."""
    totals = {sid: dict.fromkeys(REACTION_TYPES, 0) for sid in session_ids}
    rows = db.session.execute(
        sa.select(ReactionTotal.session_id, ReactionTotal.type, ReactionTotal.count).where(
            ReactionTotal.session_id.in_(session_ids)
        )
    )
    for sid, kind, n in rows:
        if kind in totals[sid]:
            totals[sid][kind] = int(n)
    return totals


def products(session_id, now: datetime) -> list[dict]:
    """Products attached to the session or clicked/featured in it: clicks, unique clickers, featured seconds."""
    sources = [sa.select(SessionProduct.product_id.label("pid")).where(SessionProduct.session_id == session_id)]
    c = ProductClick
    clicks = (
        sa.select(
            c.product_id.label("pid"),
            sa.func.count().label("clicks"),
            sa.func.count(sa.distinct(sa.func.coalesce(c.user_id, c.guest_id))).label("clickers"),
        )
        .where(c.session_id == session_id)
        .group_by(c.product_id)
        .subquery()
    )
    f = ProductFeatureSpan
    end = sa.func.coalesce(epoch(f.ended_at), sa.literal(round(now.timestamp(), 3), sa.Float))
    seconds = sa.func.sum(sa.case((end > epoch(f.started_at), end - epoch(f.started_at)), else_=0))
    spans = (
        sa.select(f.product_id.label("pid"), seconds.label("seconds"))
        .where(f.session_id == session_id)
        .group_by(f.product_id)
        .subquery()
    )
    sources += [sa.select(clicks.c.pid), sa.select(spans.c.pid)]
    ids = sa.union(*sources).subquery()
    columns = [Product.id, Product.name]
    query = (
        sa.select(*columns)
        .join(ids, ids.c.pid == Product.id)
        .outerjoin(clicks, clicks.c.pid == Product.id)
        .outerjoin(spans, spans.c.pid == Product.id)
    )
    click_n, clickers_n = sa.func.coalesce(clicks.c.clicks, 0), sa.func.coalesce(clicks.c.clickers, 0)
    seconds_n = sa.func.coalesce(spans.c.seconds, 0)
    query = query.add_columns(click_n.label("clicks"), clickers_n.label("clickers"), seconds_n.label("seconds"))
    query = query.order_by(sa.literal_column("clicks").desc(), Product.name, Product.id)
    return [
        {
            "product_id": row.id,
            "name": row.name,
            "clicks": int(row.clicks),
            "unique_clickers": int(row.clickers),
            "featured_seconds": int(row.seconds),
        }
        for row in db.session.execute(query)
    ]
