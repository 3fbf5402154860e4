"""seed-demo shows live commerce: products attached to the demo keynote, one of them featured."""

from __future__ import annotations

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import EventSession, ProductFeatureSpan


def test_seed_demo_attaches_products_one_featured(runner, app, client):
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        keynote = db.session.scalar(sa.select(EventSession.id).where(EventSession.title == "Opening keynote"))
        spans = db.session.scalars(sa.select(ProductFeatureSpan)).all()
    signin = client.post(
        "/api/auth/signin", json={"email": "attendee@demo.plataforma.live", "password": "demo-attendee-pass"}
    )
    headers = {"Authorization": "Bearer " + signin.json["session"]["access_token"]}
    items = client.get(f"/api/sessions/{keynote}/products", headers=headers).json
    assert [item["product"]["name"] for item in items] == ["Plataforma hoodie", "Conference mug", "Live sticker pack"]
    assert [item["featured"] for item in items] == [True, False, False]
    assert items[0]["featuredAt"] and items[0]["product"]["price"] == "49.90"
    assert items[0]["product"]["originalPrice"] == "59.90"
    assert [(str(s.product_id), s.ended_at) for s in spans] == [(items[0]["product"]["id"], None)]
