"""/api/sessions/:id/products: attach / feature / reorder / detach, ordered reads, click-throughs (SPEC §10)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import ProductClick, ProductFeatureSpan
from tests.api.commerce_support import attach, make_product


@pytest.fixture
def product(client, admin) -> dict:
    return make_product(client, admin)


def _url(session_id, product_id=None, suffix=""):
    base = f"/api/sessions/{session_id}/products"
    return base + (f"/{product_id}" if product_id else "") + suffix


def _spans(app, session_id) -> list[tuple[bool, bool]]:
    """(started, ended) per feature span of the session, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(ProductFeatureSpan.started_at, ProductFeatureSpan.ended_at)
            .where(ProductFeatureSpan.session_id == uuid.UUID(session_id))
            .order_by(ProductFeatureSpan.started_at)
        ).all()
        return [(start is not None, end is not None) for start, end in rows]


# ---------------------------------------------------------------- attach


def test_moderator_attaches_a_product(client, moderator, attendee, live_session, product):
    response = client.post(_url(live_session), json={"productId": product["id"]}, headers=moderator.headers)
    assert response.status_code == 201, response.json
    item = response.json
    assert item["product"] == product
    assert (item["featured"], item["displayOrder"], item["featuredAt"]) == (False, 0, None)
    assert item["addedAt"].endswith("Z")
    assert set(item) == {"product", "featured", "displayOrder", "featuredAt", "addedAt"}
    assert client.get(_url(live_session), headers=attendee.headers).json == [item]


def test_attaching_featured_sets_featured_at_and_opens_a_span(app, client, moderator, live_session, product):
    item = attach(client, moderator, live_session, product["id"], featured=True, displayOrder=3)
    assert item["featured"] is True and item["featuredAt"].endswith("Z") and item["displayOrder"] == 3
    assert _spans(app, live_session) == [(True, False)]


def test_second_attach_is_409_already_attached(client, moderator, admin, live_session, product):
    attach(client, moderator, live_session, product["id"])
    response = client.post(_url(live_session), json={"productId": product["id"]}, headers=admin.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "already_attached"
    assert len(client.get(_url(live_session), headers=admin.headers).json) == 1


@pytest.mark.parametrize("product_id", [lambda: str(uuid.uuid4()), lambda: "nope"])
def test_unknown_product_is_404(client, moderator, live_session, product_id):
    response = client.post(_url(live_session), json={"productId": product_id()}, headers=moderator.headers)
    if response.status_code == 400:  # "nope" is not a UUID: the body is invalid
        assert response.json["error"]["fields"] == {"productId": ["Not a valid UUID."]}
        return
    assert response.status_code == 404 and response.json["error"]["message"] == "Product not found."


@pytest.mark.parametrize(
    "body",
    [{}, {"productId": None}, {"productId": "P", "featured": "yes"}, {"productId": "P", "displayOrder": "1"},
     {"productId": "P", "displayOrder": 1.5}, {"productId": "P", "displayOrder": 10**7}, {"productId": "P", "x": 1}],
)  # fmt: skip
def test_invalid_attach_bodies_are_400(client, moderator, live_session, product, body):
    body = {key: (product["id"] if value == "P" else value) for key, value in body.items()}
    response = client.post(_url(live_session), json=body, headers=moderator.headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "validation_error"


# ---------------------------------------------------------------- roles and visibility


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("attendee", 403)])
def test_only_moderators_change_a_session_s_products(client, moderator, users, live_session, product, role, status):
    headers = users[role]
    assert client.post(_url(live_session), json={"productId": product["id"]}, headers=headers).status_code == status
    attach(client, moderator, live_session, product["id"])
    url = _url(live_session, product["id"])
    assert client.patch(url, json={"featured": True}, headers=headers).status_code == status
    assert client.delete(url, headers=headers).status_code == status
    assert client.get(_url(live_session), headers=moderator.headers).json[0]["featured"] is False


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_manage_products(client, users, live_session, product, role):
    headers = users[role]
    assert client.post(_url(live_session), json={"productId": product["id"]}, headers=headers).status_code == 201
    url = _url(live_session, product["id"])
    assert client.patch(url, json={"featured": True}, headers=headers).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204


def test_draft_sessions_are_404_except_for_admins(client, admin, moderator, attendee, draft_session, product):
    for user in (moderator, attendee):
        assert client.get(_url(draft_session), headers=user.headers).status_code == 404
        url = _url(draft_session, product["id"], "/click")
        assert client.post(url, headers=user.headers).status_code == 404
        assert client.get(f"/api/sessions/{draft_session}/reactions", headers=user.headers).status_code == 404
    response = client.post(_url(draft_session), json={"productId": product["id"]}, headers=moderator.headers)
    assert response.status_code == 404 and response.json["error"]["message"] == "Session not found."
    assert client.post(_url(draft_session), json={"productId": product["id"]}, headers=admin.headers).status_code == 201
    assert client.patch(_url(draft_session, product["id"]), json={}, headers=moderator.headers).status_code == 404
    assert client.delete(_url(draft_session, product["id"]), headers=moderator.headers).status_code == 404
    assert len(client.get(_url(draft_session), headers=admin.headers).json) == 1


@pytest.mark.parametrize("session_id", [lambda: str(uuid.uuid4()), lambda: "not-a-uuid"])
def test_unknown_session_is_404(client, moderator, product, session_id):
    sid = session_id()
    assert client.get(_url(sid), headers=moderator.headers).status_code == 404
    response = client.post(_url(sid), json={"productId": product["id"]}, headers=moderator.headers)
    assert response.status_code == 404
    assert client.post(_url(sid, product["id"], "/click"), headers=moderator.headers).status_code == 404


# ---------------------------------------------------------------- reads


def test_reads_are_ordered_by_display_order_then_attach_time_and_filter_featured(
    client, admin, moderator, attendee, live_session
):
    names = ["A", "B", "C", "D"]
    products = {name: make_product(client, admin, name=name) for name in names}
    attach(client, moderator, live_session, products["A"]["id"], displayOrder=2)
    attach(client, moderator, live_session, products["B"]["id"], displayOrder=1, featured=True)
    attach(client, moderator, live_session, products["C"]["id"], displayOrder=2, featured=True)
    attach(client, moderator, live_session, products["D"]["id"], displayOrder=-5)

    def listed(query=""):
        response = client.get(_url(live_session) + query, headers=attendee.headers)
        assert response.status_code == 200, response.json
        return [item["product"]["name"] for item in response.json]

    assert listed() == ["D", "B", "A", "C"]
    assert listed("?featured=true") == ["B", "C"]
    assert listed("?featured=false") == ["D", "A"]
    assert listed("?featured=") == ["D", "B", "A", "C"]
    response = client.get(_url(live_session) + "?featured=yes", headers=attendee.headers)
    assert response.status_code == 400 and "featured" in response.json["error"]["fields"]


def test_list_is_one_query_with_its_products(client, admin, moderator, attendee, live_session, count_queries):
    for i in range(6):
        attach(client, moderator, live_session, make_product(client, admin, name=f"P{i}")["id"])
    with count_queries() as queries:
        assert len(client.get(_url(live_session), headers=attendee.headers).json) == 6
    assert queries.count <= 4  # token checks, the session, the list with its products


# ---------------------------------------------------------------- feature, reorder, detach


def test_feature_unfeature_and_reorder(app, client, moderator, live_session, product):
    attach(client, moderator, live_session, product["id"])
    url = _url(live_session, product["id"])
    featured = client.patch(url, json={"featured": True}, headers=moderator.headers)
    assert featured.status_code == 200 and featured.json["featured"] is True and featured.json["featuredAt"]
    again = client.patch(url, json={"featured": True}, headers=moderator.headers)
    assert again.json["featuredAt"] == featured.json["featuredAt"]  # already featured: nothing changes
    moved = client.patch(url, json={"displayOrder": 7}, headers=moderator.headers)
    assert moved.json["displayOrder"] == 7 and moved.json["featured"] is True
    off = client.patch(url, json={"featured": False}, headers=moderator.headers)
    assert off.json["featured"] is False and off.json["featuredAt"] is None
    assert _spans(app, live_session) == [(True, True)]
    client.patch(url, json={"featured": True}, headers=moderator.headers)
    assert _spans(app, live_session) == [(True, True), (True, False)]


@pytest.mark.parametrize(
    "body", [{"featured": 1}, {"featured": "true"}, {"displayOrder": "2"}, {"displayOrder": None}, {"productId": "x"}]
)
def test_invalid_updates_are_400(client, moderator, live_session, product, body):
    attach(client, moderator, live_session, product["id"])
    response = client.patch(_url(live_session, product["id"]), json=body, headers=moderator.headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "validation_error"


def test_updating_or_detaching_a_product_not_attached_is_404(client, moderator, live_session, product):
    for response in (
        client.patch(_url(live_session, product["id"]), json={"featured": True}, headers=moderator.headers),
        client.delete(_url(live_session, product["id"]), headers=moderator.headers),
        client.delete(_url(live_session, "not-a-uuid"), headers=moderator.headers),
        client.post(_url(live_session, product["id"], "/click"), headers=moderator.headers),
    ):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_detach_closes_the_feature_span_and_allows_attaching_again(app, client, moderator, live_session, product):
    attach(client, moderator, live_session, product["id"], featured=True)
    assert client.delete(_url(live_session, product["id"]), headers=moderator.headers).status_code == 204
    assert client.get(_url(live_session), headers=moderator.headers).json == []
    assert _spans(app, live_session) == [(True, True)]
    assert client.delete(_url(live_session, product["id"]), headers=moderator.headers).status_code == 404
    attach(client, moderator, live_session, product["id"])


# ---------------------------------------------------------------- click-throughs


def test_click_records_who_what_when(app, client, moderator, attendee, live_session, product):
    attach(client, moderator, live_session, product["id"])
    for _ in range(2):
        response = client.post(_url(live_session, product["id"], "/click"), headers=attendee.headers)
        assert response.status_code == 204 and response.data == b""
    with app.app_context():
        clicks = db.session.scalars(sa.select(ProductClick)).all()
        assert [(str(c.session_id), str(c.product_id), str(c.user_id), c.guest_id) for c in clicks] == [
            (live_session, product["id"], attendee.id, None)
        ] * 2
        assert all(c.created_at is not None for c in clicks)


def test_click_needs_a_token(client, moderator, live_session, product):
    attach(client, moderator, live_session, product["id"])
    assert client.post(_url(live_session, product["id"], "/click")).status_code == 401
