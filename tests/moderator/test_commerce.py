"""The live console's Products panel and reactions ticker: forms post and redirect without JavaScript,
the page script gets JSON, every action goes through the services and tells the room."""

from __future__ import annotations

import pytest

from plataforma.services import reactions
from tests.api.commerce_support import attach, make_product

MISSING = "00000000-0000-4000-8000-000000000000"


def room(session_id) -> str:
    return f"session:{session_id}"


def _back(session_id) -> str:
    return f"/moderator/sessions/{session_id}#products"


def _listed(client, user, session_id) -> list[tuple[str, bool, int]]:
    items = client.get(f"/api/sessions/{session_id}/products", headers=user.headers).json
    return [(item["product"]["name"], item["featured"], item["displayOrder"]) for item in items]


def test_the_console_shows_the_panel_with_the_catalogue_and_the_ticker(
    app, mod, client, admin, moderator, attendee, live_session
):
    shown = make_product(client, admin, name="Hoodie <b>", price="49.90", originalPrice="59.90")
    make_product(client, admin, name="Mug", price=12, currency="EUR")
    attach(client, moderator, live_session, shown["id"], featured=True)
    client.post("/api/reactions", json={"sessionId": live_session, "type": "fire"}, headers=attendee.headers)
    with app.app_context():
        reactions.run_once(app)

    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert 'id="products"' in html and "moderator-commerce.js" in html and "moderator-commerce.css" in html
    assert "Hoodie &lt;b&gt;" in html and "Hoodie <b>" not in html  # escaped
    assert "49.90 USD" in html and "59.90" in html and "is-featured" in html
    assert "Mug · 12.00 EUR" in html  # in the attach form: not attached yet
    assert html.count(">Hoodie &lt;b&gt; ·") == 0  # an attached product is not offered again
    assert 'data-reaction="fire"' in html
    fire = html.split('data-reaction="fire"')[1]
    assert '<span class="ticker__total" data-reaction-total>1</span>' in fire


def test_attach_feature_reorder_detach_without_javascript(mod, client, admin, moderator, live_session, emits):
    hoodie, mug = make_product(client, admin, name="Hoodie"), make_product(client, admin, name="Mug")
    base = f"/moderator/sessions/{live_session}/products"

    response = mod.post(base, {"product_id": hoodie["id"], "display_order": "2"})
    assert response.status_code == 303 and response.headers["Location"] == _back(live_session)
    assert "Hoodie attached." in mod.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    response = mod.post(base, {"product_id": mug["id"], "featured": "true", "display_order": "1"})
    assert response.status_code == 303
    assert _listed(client, moderator, live_session) == [("Mug", True, 1), ("Hoodie", False, 2)]
    assert [data["item"]["product"]["name"] for data, _ in emits.named("product_featured")] == ["Mug"]
    assert all(target == room(live_session) for _, target in emits.named("products_updated"))
    assert len(emits.named("products_updated")) == 2

    mod.post(f"{base}/{hoodie['id']}/feature", {"featured": "true"})
    mod.post(f"{base}/{mug['id']}/feature", {"featured": "false"})
    mod.post(f"{base}/{hoodie['id']}/order", {"display_order": "0"})
    assert _listed(client, moderator, live_session) == [("Hoodie", True, 0), ("Mug", False, 1)]

    response = mod.post(f"{base}/{mug['id']}/detach")
    assert response.status_code == 303
    assert _listed(client, moderator, live_session) == [("Hoodie", True, 0)]
    assert emits.named("products_updated")[-1][0]["products"][0]["product"]["name"] == "Hoodie"


def test_the_page_script_gets_json(mod, client, admin, live_session):
    product = make_product(client, admin)
    response = mod.post(f"/moderator/sessions/{live_session}/products", {"product_id": product["id"]}, as_json=True)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["notice"] == "Hoodie attached."
    assert [item["product"]["id"] for item in body["data"]["products"]] == [product["id"]]
    again = mod.post(f"/moderator/sessions/{live_session}/products", {"product_id": product["id"]}, as_json=True)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_attached"
    fragment = mod.get(f"/moderator/sessions/{live_session}/products-panel")
    assert fragment.status_code == 200 and f'data-product-id="{product["id"]}"' in fragment.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [("", {}, 400), ("", {"product_id": MISSING}, 404), ("", {"product_id": "P", "display_order": "x"}, 400),
     ("", {"product_id": "P", "display_order": "99999999999"}, 400),
     ("", {"product_id": "P", "featured": "maybe"}, 400),
     ("/P/feature", {"featured": "true"}, 404), ("/P/order", {"display_order": "1"}, 404), ("/P/detach", {}, 404),
     (f"/{MISSING}/detach", {}, 404), ("/not-a-uuid/detach", {}, 404)],
)  # fmt: skip
def test_errors_are_json_for_the_script_and_a_flash_without_it(
    mod, client, admin, live_session, emits, path, data, status
):
    product = make_product(client, admin)
    url = f"/moderator/sessions/{live_session}/products" + path.replace("P", product["id"], 1)
    data = {key: (product["id"] if value == "P" else value) for key, value in data.items()}
    response = mod.post(url, data, as_json=True)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] in {"validation_error", "not_found"}
    plain = mod.post(url, data)
    assert plain.status_code == 303 and plain.headers["Location"] == _back(live_session)
    assert emits.named("products_updated") == []


def test_reordering_needs_a_number(mod, client, admin, moderator, live_session):
    product = make_product(client, admin)
    attach(client, moderator, live_session, product["id"])
    response = mod.post(f"/moderator/sessions/{live_session}/products/{product['id']}/order", {}, as_json=True)
    assert response.status_code == 400 and "displayOrder" in response.get_json()["error"]["fields"]


def test_visitors_who_are_not_signed_in_cannot_use_the_panel(dashboard, client, admin, live_session):
    product = make_product(client, admin)
    anonymous = dashboard()
    response = anonymous.get(f"/moderator/sessions/{live_session}/products-panel")
    assert response.status_code in (302, 303) and "/moderator/login" in response.headers["Location"]
    response = anonymous.client.post(f"/moderator/sessions/{live_session}/products", data={"product_id": product["id"]})
    assert response.status_code in (302, 303, 400)
    assert _listed(client, admin, live_session) == []


def test_a_moderator_gets_404_in_a_draft_project(mod, client, admin, draft_session):
    product = make_product(client, admin)
    assert mod.get(f"/moderator/sessions/{draft_session}/products-panel").status_code == 404
    assert mod.post(f"/moderator/sessions/{draft_session}/products", {"product_id": product["id"]}).status_code == 404
    assert _listed(client, admin, draft_session) == []


def test_every_panel_form_needs_the_csrf_token(mod, client, admin, moderator, live_session):
    product = make_product(client, admin)
    attach(client, moderator, live_session, product["id"])
    base = f"/moderator/sessions/{live_session}/products"
    for url, data in [
        (base, {"product_id": product["id"]}),
        (f"{base}/{product['id']}/feature", {"featured": "true"}),
        (f"{base}/{product['id']}/order", {"display_order": "3"}),
        (f"{base}/{product['id']}/detach", {}),
    ]:
        assert mod.post(url, data, csrf=False).status_code == 400
    assert _listed(client, moderator, live_session) == [("Hoodie", False, 0)]
