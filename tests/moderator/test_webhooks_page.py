"""The dashboard's webhooks page (SPEC §16): admins only, deliveries listed, retry, never the secret."""

from __future__ import annotations

import pytest

from plataforma.services import commit, webhooks
from tests.webhook_support import install_dns


@pytest.fixture
def hook(app, client, admin, monkeypatch):
    install_dns(monkeypatch)["hooks.example.com"] = ["93.184.215.14"]
    body = {"url": "https://hooks.example.com/in", "events": ["message.created"], "description": "<b>CRM</b>"}
    created = client.post("/api/webhooks", json=body, headers=admin.headers).get_json()
    with app.app_context():
        delivery = webhooks.enqueue("message.created", {"id": "m"})[0]
        commit()
        created["delivery_id"] = str(delivery.id)
    return created


def test_admins_see_webhooks_and_deliveries_without_secrets(dashboard, admin, hook):
    board = dashboard(admin)
    assert "/moderator/webhooks" in board.landing.get_data(as_text=True)
    page = board.get("/moderator/webhooks")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "https://hooks.example.com/in" in html and "message.created" in html and "pending" in html
    assert "&lt;b&gt;CRM&lt;/b&gt;" in html and "<b>CRM</b>" not in html
    assert hook["secret"] not in html and "whsec_" not in html


def test_moderators_are_refused_and_anonymous_visitors_sent_to_login(dashboard, moderator, hook):
    board = dashboard(moderator)
    assert "/moderator/webhooks" not in board.landing.get_data(as_text=True)
    assert board.get("/moderator/webhooks").status_code == 403
    retry = f"/moderator/webhooks/{hook['id']}/deliveries/{hook['delivery_id']}/retry"
    assert board.post(retry).status_code == 403
    assert dashboard().get("/moderator/webhooks").status_code in {302, 303}


def test_retry_from_the_dashboard_needs_csrf_and_queues_the_delivery(dashboard, admin, hook):
    board = dashboard(admin)
    retry = f"/moderator/webhooks/{hook['id']}/deliveries/{hook['delivery_id']}/retry"
    assert board.post(retry, csrf=False).status_code == 400
    done = board.post(retry)
    assert done.status_code == 303 and done.headers["Location"].endswith("/moderator/webhooks#deliveries")
    assert "Delivery queued" in board.get("/moderator/webhooks").get_data(as_text=True)
    missing = board.post(f"/moderator/webhooks/{hook['id']}/deliveries/nope/retry")
    assert missing.status_code == 303
    assert "not found" in board.get("/moderator/webhooks").get_data(as_text=True)
