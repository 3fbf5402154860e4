"""Helpers shared by the live-commerce tests: products made through the API."""

from __future__ import annotations


def make_product(client, admin, **fields) -> dict:
    body = {"name": "Hoodie", "price": "49.90"}
    body.update(fields)
    response = client.post("/api/products", json=body, headers=admin.headers)
    assert response.status_code == 201, response.json
    return response.json


def attach(client, moderator, session_id, product_id, **fields) -> dict:
    body = {"productId": product_id, **fields}
    response = client.post(f"/api/sessions/{session_id}/products", json=body, headers=moderator.headers)
    assert response.status_code == 201, response.json
    return response.json
