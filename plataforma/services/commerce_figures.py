"""Product and reaction figures of a session, read from the live-commerce tables (SPEC §10, §13).

The tables belong to the commerce area (``product_clicks``, ``product_feature_spans``,
``reaction_totals``, names fixed between branches). They are declared here as lightweight
``sa.table()`` constructs, so this module does not depend on their models, and every
query is guarded: until the tables exist the figures are zero (products attached to the
session are still listed, with zero figures).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Product, SessionProduct
from plataforma.services.analytics_sql import epoch

REACTION_TYPES = ("like", "heart", "fire", "clap")

product_clicks = sa.table(
    "product_clicks",
    sa.column("session_id", sa.Uuid),
    sa.column("product_id", sa.Uuid),
    sa.column("user_id", sa.Uuid),
    sa.column("guest_id", sa.Uuid),
)
product_feature_spans = sa.table(
    "product_feature_spans",
    sa.column("session_id", sa.Uuid),
    sa.column("product_id", sa.Uuid),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("ended_at", sa.DateTime(timezone=True)),
)
reaction_totals = sa.table(
    "reaction_totals",
    sa.column("session_id", sa.Uuid),
    sa.column("type", sa.String),
    sa.column("count", sa.BigInteger),
)

_known: dict[tuple[str, str], bool] = {}


def table_exists(name: str) -> bool:
    """Whether the table exists, looked up once per database and process (migrations run before the app)."""
    bind = db.session.get_bind()
    key = (str(bind.url), name)
    if key not in _known:
        _known[key] = sa.inspect(bind).has_table(name)
    return _known[key]


def reactions(session_id) -> dict[str, int]:
    totals = dict.fromkeys(REACTION_TYPES, 0)
    if table_exists("reaction_totals"):
        rows = db.session.execute(
            sa.select(reaction_totals.c.type, reaction_totals.c.count).where(reaction_totals.c.session_id == session_id)
        )
        totals.update({kind: int(n) for kind, n in rows if kind in totals})
    return totals


def products(session_id, now: datetime) -> list[dict]:
    """Products attached to the session or clicked/featured in it: clicks, unique clickers, featured seconds."""
    sources = [sa.select(SessionProduct.product_id.label("pid")).where(SessionProduct.session_id == session_id)]
    clicks = spans = None
    if table_exists("product_clicks"):
        c = product_clicks.c
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
        sources.append(sa.select(clicks.c.pid))
    if table_exists("product_feature_spans"):
        f = product_feature_spans.c
        end = sa.func.coalesce(epoch(f.ended_at), sa.literal(round(now.timestamp(), 3), sa.Float))
        seconds = sa.func.sum(sa.case((end > epoch(f.started_at), end - epoch(f.started_at)), else_=0))
        spans = (
            sa.select(f.product_id.label("pid"), seconds.label("seconds"))
            .where(f.session_id == session_id)
            .group_by(f.product_id)
            .subquery()
        )
        sources.append(sa.select(spans.c.pid))
    ids = sa.union(*sources).subquery()
    columns = [Product.id, Product.name]
    query = sa.select(*columns).join(ids, ids.c.pid == Product.id)
    click_n = clickers_n = seconds_n = sa.literal(0)
    if clicks is not None:
        query = query.outerjoin(clicks, clicks.c.pid == Product.id)
        click_n, clickers_n = sa.func.coalesce(clicks.c.clicks, 0), sa.func.coalesce(clicks.c.clickers, 0)
    if spans is not None:
        query = query.outerjoin(spans, spans.c.pid == Product.id)
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
