"""/api/products: the catalogue, money as two-decimal strings, admin-only changes (SPEC §10)."""

from __future__ import annotations

import uuid

import pytest

from tests.api.commerce_support import attach, make_product

# ---------------------------------------------------------------- create and read


def test_admin_creates_a_product_and_everyone_signed_in_reads_it(client, admin, attendee):
    body = {
        "name": "  Plataforma hoodie ",
        "description": "Warm.\nSoft.",
        "price": "49.90",
        "originalPrice": 59.9,
        "currency": "EUR",
        "category": "merch",
        "inStock": False,
        "imageUrl": "https://cdn.example.com/hoodie.png",
        "sellerId": admin.id,
    }
    response = client.post("/api/products", json=body, headers=admin.headers)
    assert response.status_code == 201, response.json
    product = response.json
    assert product["name"] == "Plataforma hoodie"
    assert (product["price"], product["originalPrice"], product["currency"]) == ("49.90", "59.90", "EUR")
    assert product["inStock"] is False and product["sellerId"] == admin.id
    assert product["createdAt"].endswith("Z") and product["updatedAt"].endswith("Z")
    assert set(product) == {
        "id", "name", "description", "price", "originalPrice", "currency", "category", "inStock",
        "imageUrl", "sellerId", "createdAt", "updatedAt",
    }  # fmt: skip
    got = client.get(f"/api/products/{product['id']}", headers=attendee.headers)
    assert got.status_code == 200 and got.json == product


def test_defaults_usd_in_stock_no_original_price(client, admin):
    product = make_product(client, admin, price=5)
    assert (product["price"], product["currency"], product["inStock"]) == ("5.00", "USD", True)
    assert product["originalPrice"] is None and product["sellerId"] is None and product["imageUrl"] is None


@pytest.mark.parametrize(
    ("price", "stored"),
    [("19.90", "19.90"), ("19.9", "19.90"), ("0", "0.00"), (0, "0.00"), (12, "12.00"), (0.1, "0.10"),
     (19.99, "19.99"), ("1000000", "1000000.00"), (1000000.00, "1000000.00"), (" 7.5 ", "7.50"), ("1.100", "1.10")],
)  # fmt: skip
def test_money_accepts_strings_and_numbers_with_two_decimals(client, admin, price, stored):
    assert make_product(client, admin, price=price)["price"] == stored


@pytest.mark.parametrize(
    "price",
    ["1.999", 1.999, -1, "-1", "-0.01", "abc", "", "1e3", "1,50", "NaN", "Infinity", "-Infinity", "1000000.01",
     10**30, "9" * 40, True, None, [], {"amount": 1}, "0x10", "١٢"],
)  # fmt: skip
def test_money_refuses_what_is_not_an_amount(client, admin, price):
    response = client.post("/api/products", json={"name": "X", "price": price}, headers=admin.headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert "price" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "literal", ["1e309", "-1e309", "NaN", "Infinity", "-Infinity", "1" + "0" * 400, "1.999", "1e7"]
)
def test_money_refuses_json_numbers_out_of_range_or_not_finite(client, admin, literal):
    body = '{"name": "X", "price": ' + literal + "}"
    response = client.post("/api/products", data=body, content_type="application/json", headers=admin.headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "validation_error"


def test_original_price_must_not_be_below_price(client, admin):
    body = {"name": "X", "price": "10.00", "originalPrice": "9.99"}
    response = client.post("/api/products", json=body, headers=admin.headers)
    assert response.status_code == 400
    assert list(response.json["error"]["fields"]) == ["originalPrice"]
    product = make_product(client, admin, price="10.00", originalPrice="10.00")
    # PATCH checks against the stored price too.
    response = client.patch(f"/api/products/{product['id']}", json={"price": "10.01"}, headers=admin.headers)
    assert response.status_code == 400 and list(response.json["error"]["fields"]) == ["originalPrice"]
    response = client.patch(f"/api/products/{product['id']}", json={"originalPrice": None}, headers=admin.headers)
    assert response.status_code == 200 and response.json["originalPrice"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "usd"), ("currency", "US"), ("currency", "USDT"), ("currency", "U$D"),
     ("imageUrl", "javascript:alert(1)"), ("imageUrl", "ftp://x.example.com/a.png"), ("imageUrl", "/relative.png"),
     ("imageUrl", "data:image/png;base64,AAAA"), ("name", ""), ("name", "x" * 201), ("description", "x" * 5001),
     ("category", "x" * 101), ("inStock", "yes"), ("sellerId", "not-a-uuid"), ("id", str(uuid.uuid4())),
     ("createdAt", "2026-01-01T00:00:00Z"), ("color", "red")],
)  # fmt: skip
def test_invalid_fields_are_400_on_that_field(client, admin, field, value):
    body = {"name": "X", "price": "1.00", field: value}
    response = client.post("/api/products", json=body, headers=admin.headers)
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["fields"]


def test_unknown_seller_is_400(client, admin):
    body = {"name": "X", "price": "1.00", "sellerId": str(uuid.uuid4())}
    response = client.post("/api/products", json=body, headers=admin.headers)
    assert response.status_code == 400 and list(response.json["error"]["fields"]) == ["sellerId"]


def test_name_and_price_are_required(client, admin):
    response = client.post("/api/products", json={}, headers=admin.headers)
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"name", "price"}


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("attendee", 403), ("moderator", 403)])
def test_only_admins_change_the_catalogue(client, admin, users, role, status):
    product = make_product(client, admin)
    headers = users[role]
    assert client.post("/api/products", json={"name": "X", "price": 1}, headers=headers).status_code == status
    url = f"/api/products/{product['id']}"
    assert client.patch(url, json={"name": "Y"}, headers=headers).status_code == status
    assert client.delete(url, headers=headers).status_code == status
    assert client.get(url, headers=users["admin"]).json["name"] == "Hoodie"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("attendee", 200), ("moderator", 200)])
def test_reading_needs_a_signed_in_user(client, admin, users, role, status):
    product = make_product(client, admin)
    assert client.get("/api/products", headers=users[role]).status_code == status
    assert client.get(f"/api/products/{product['id']}", headers=users[role]).status_code == status


@pytest.mark.parametrize("product_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_product_is_404(client, admin, product_id):
    url = f"/api/products/{product_id}"
    for response in (
        client.get(url, headers=admin.headers),
        client.patch(url, json={"name": "Y"}, headers=admin.headers),
        client.delete(url, headers=admin.headers),
    ):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


# ---------------------------------------------------------------- list and filters


def test_list_newest_first_with_filters(client, admin, attendee):
    mug = make_product(client, admin, name="Conference mug", price="12.00", category="Merch")
    hoodie = make_product(client, admin, name="Hoodie", price="49.90", category="merch", description="Cosy cotton")
    ticket = make_product(client, admin, name="VIP ticket", price="199.00", category="tickets", inStock=False)

    def names(query: str = "") -> list[str]:
        response = client.get(f"/api/products{query}", headers=attendee.headers)
        assert response.status_code == 200, response.json
        return [p["name"] for p in response.json]

    assert names() == ["VIP ticket", "Hoodie", "Conference mug"]
    assert names("?q=MUG") == ["Conference mug"]
    assert names("?q=cotton") == ["Hoodie"]
    assert names("?q=%25") == [] and names("?q=_") == []  # LIKE wildcards are literal
    assert names("?category=merch") == ["Hoodie", "Conference mug"]
    assert names("?minPrice=12&maxPrice=49.90") == ["Hoodie", "Conference mug"]
    assert names("?minPrice=12.01") == ["VIP ticket", "Hoodie"]
    assert names("?inStock=false") == ["VIP ticket"]
    assert names("?inStock=true&category=merch&q=o") == ["Hoodie", "Conference mug"]
    assert names("?limit=1&offset=1") == ["Hoodie"]
    assert names("?category=") == ["VIP ticket", "Hoodie", "Conference mug"]  # empty = absent
    assert {mug["id"], hoodie["id"], ticket["id"]}


@pytest.mark.parametrize(
    "query", ["?minPrice=abc", "?maxPrice=-1", "?minPrice=1.999", "?inStock=yes", "?limit=0", "?limit=201",
              "?offset=-1", "?q=" + "x" * 201],
)  # fmt: skip
def test_bad_filters_are_400(client, attendee, query):
    response = client.get(f"/api/products{query}", headers=attendee.headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "validation_error"


def test_list_is_one_query(client, admin, attendee, count_queries):
    for i in range(5):
        make_product(client, admin, name=f"P{i}")
    with count_queries() as queries:
        assert len(client.get("/api/products", headers=attendee.headers).json) == 5
    # token user lookup + revocation check + the list
    assert queries.count <= 3


# ---------------------------------------------------------------- update and delete


def test_admin_updates_a_product(client, admin):
    product = make_product(client, admin)
    response = client.patch(
        f"/api/products/{product['id']}",
        json={"price": 39, "originalPrice": "49.90", "inStock": False, "imageUrl": "http://img.example.com/h.jpg"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.json
    assert (response.json["price"], response.json["originalPrice"], response.json["inStock"]) == (
        "39.00",
        "49.90",
        False,
    )
    assert response.json["imageUrl"] == "http://img.example.com/h.jpg"


def test_deleting_a_product_removes_it_from_every_session(client, admin, moderator, content):
    first, second = content.session(), content.session()
    product = make_product(client, admin)
    kept = make_product(client, admin, name="Mug")
    attach(client, moderator, first, product["id"], featured=True)
    attach(client, moderator, second, product["id"])
    attach(client, moderator, second, kept["id"])
    click = client.post(f"/api/sessions/{first}/products/{product['id']}/click", headers=moderator.headers)
    assert click.status_code == 204

    assert client.delete(f"/api/products/{product['id']}", headers=admin.headers).status_code == 204

    assert client.get(f"/api/products/{product['id']}", headers=admin.headers).status_code == 404
    assert client.get(f"/api/sessions/{first}/products", headers=moderator.headers).json == []
    remaining = client.get(f"/api/sessions/{second}/products", headers=moderator.headers).json
    assert [item["product"]["id"] for item in remaining] == [kept["id"]]
