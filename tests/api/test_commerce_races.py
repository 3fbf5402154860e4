"""Concurrency in live commerce (PostgreSQL only, like tests/api/test_races.py)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import ProductFeatureSpan, SessionProduct
from tests.api.commerce_support import make_product
from tests.api.test_races import _postgres_only, _run_together  # noqa: F401  (autouse fixture)


def test_two_moderators_attaching_the_same_product_at_once_give_one_201_and_one_409(
    app, client, admin, make_user, live_session
):
    product = make_product(client, admin)
    moderators = [make_user("MODERATOR") for _ in range(2)]
    url = f"/api/sessions/{live_session}/products"
    body = {"productId": product["id"], "featured": True}
    results = _run_together(app, [lambda c, h=m.headers: c.post(url, json=body, headers=h) for m in moderators])
    assert sorted(results) == [(201, None), (409, "already_attached")]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionProduct)) == 1
        spans = db.session.scalars(
            sa.select(ProductFeatureSpan).where(ProductFeatureSpan.session_id == uuid.UUID(live_session))
        ).all()
        assert len(spans) == 1  # the loser's span was rolled back with its attach


def test_eight_attaches_at_once_of_the_same_product(app, client, admin, make_user, live_session):
    product = make_product(client, admin)
    moderators = [make_user("MODERATOR") for _ in range(8)]
    url = f"/api/sessions/{live_session}/products"
    body = {"productId": product["id"]}
    results = _run_together(app, [lambda c, h=m.headers: c.post(url, json=body, headers=h) for m in moderators])
    assert sorted(results) == [(201, None)] + [(409, "already_attached")] * 7
