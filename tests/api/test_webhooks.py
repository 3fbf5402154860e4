"""/api/webhooks (SPEC §16): admin CRUD, the secret shown once, the outbox written with the change."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import DeliveryStatus, WebhookDelivery
from tests.api.interaction_support import error_code
from tests.webhook_support import install_dns

URL = "https://hooks.example.com/plataforma"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    dns = install_dns(monkeypatch)
    dns["hooks.example.com"] = ["93.184.215.14"]
    dns["internal.example.com"] = ["10.0.0.7"]
    return dns


@pytest.fixture
def make_hook(client, admin):
    def make(events=("message.created",), url=URL, **extra):
        response = client.post(
            "/api/webhooks", json={"url": url, "events": list(events), **extra}, headers=admin.headers
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def _outbox(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.created_at)).all()
        db.session.expunge_all()
        return rows


def test_create_shows_the_secret_once(client, admin, make_hook):
    hook = make_hook(events=["message.created", "poll.opened", "message.created"], description=" CRM ")
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 30
    assert hook["events"] == ["message.created", "poll.opened"]  # duplicates dropped
    assert hook["description"] == "CRM" and hook["url"] == URL
    assert set(hook) == {"id", "url", "events", "description", "createdAt", "updatedAt", "secret"}

    shown = client.get(f"/api/webhooks/{hook['id']}", headers=admin.headers).get_json()
    listed = client.get("/api/webhooks", headers=admin.headers).get_json()
    patched = client.patch(f"/api/webhooks/{hook['id']}", json={"events": ["user.banned"]}, headers=admin.headers)
    for body in (shown, listed[0], patched.get_json()):
        assert "secret" not in body
    assert patched.get_json()["events"] == ["user.banned"]


def test_only_admins_manage_webhooks(client, attendee, moderator, make_hook):
    hook = make_hook()
    for user in (attendee, moderator):
        assert client.get("/api/webhooks", headers=user.headers).status_code == 403
        assert (
            client.post("/api/webhooks", json={"url": URL, "events": ["ping"]}, headers=user.headers).status_code == 403
        )
        assert client.post(f"/api/webhooks/{hook['id']}/test", headers=user.headers).status_code == 403
        assert client.delete(f"/api/webhooks/{hook['id']}", headers=user.headers).status_code == 403
    assert client.get("/api/webhooks").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": ["message.sent"]}, "events.0"),
        ({"url": URL, "events": ["ping"]}, "events.0"),
        ({"url": URL}, "events"),
        ({"events": ["message.created"]}, "url"),
        ({"url": "ftp://hooks.example.com/", "events": ["message.created"]}, "url"),
        ({"url": "http://127.0.0.1:8080/", "events": ["message.created"]}, "url"),
        ({"url": "http://internal.example.com/", "events": ["message.created"]}, "url"),
        ({"url": "http://169.254.169.254/", "events": ["message.created"]}, "url"),
        ({"url": "https://nowhere.example.com/", "events": ["message.created"]}, "url"),
        ({"url": URL, "events": ["message.created"], "secret": "mine"}, "secret"),
    ],
)
def test_invalid_webhooks_are_400_on_the_field(client, admin, dns, body, field):
    for name in ("127.0.0.1", "169.254.169.254"):
        dns[name] = [name]
    response = client.post("/api/webhooks", json=body, headers=admin.headers)
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert field in response.get_json()["error"]["fields"]


def test_a_private_url_is_refused_on_patch_too_unless_allowed(make_app, client, admin, make_hook, dns):
    hook = make_hook()
    url = f"/api/webhooks/{hook['id']}"
    response = client.patch(url, json={"url": "http://internal.example.com/"}, headers=admin.headers)
    assert response.status_code == 400 and "url" in response.get_json()["error"]["fields"]

    from tests.conftest import UserFactory

    lenient = make_app(WEBHOOK_ALLOW_PRIVATE=True)
    lenient_admin = UserFactory(lenient)("ADMIN")
    ok = lenient.test_client().patch(url, json={"url": "http://internal.example.com/"}, headers=lenient_admin.headers)
    assert ok.status_code == 200 and ok.get_json()["url"] == "http://internal.example.com/"


def test_unknown_and_malformed_ids_are_404(client, admin, make_hook):
    hook = make_hook()
    for path in (
        f"/api/webhooks/{uuid.uuid4()}",
        "/api/webhooks/nope",
        f"/api/webhooks/{hook['id']}/deliveries/x/retry",
    ):
        method = client.post if path.endswith("retry") else client.get
        assert method(path, headers=admin.headers).status_code == 404


def test_changes_write_outbox_rows_for_subscribed_webhooks_only(
    app, client, admin, attendee, moderator, live_session, make_hook
):
    chat = make_hook(events=["message.created", "message.deleted"])
    make_hook(events=["poll.opened"])
    sent = client.post("/api/messages", json={"sessionId": live_session, "text": "hi"}, headers=attendee.headers)
    message = sent.get_json()
    client.delete(f"/api/messages/{message['id']}", headers=moderator.headers)

    rows = _outbox(app)
    assert [(row.event, str(row.webhook_id)) for row in rows] == [
        ("message.created", chat["id"]),
        ("message.deleted", chat["id"]),
    ]
    created, deleted = rows
    assert created.payload["data"] == message
    assert created.payload["type"] == "message.created" and created.payload["id"] == str(created.id)
    assert created.payload["createdAt"].endswith("Z")
    assert deleted.payload["data"]["isDeleted"] is True
    assert all(row.status == DeliveryStatus.PENDING and row.attempts == 0 for row in rows)


def test_every_part_one_change_maps_to_its_webhook(app, client, admin, attendee, moderator, content, make_hook):
    make_hook(
        events=[
            "question.created",
            "question.answered",
            "poll.opened",
            "poll.closed",
            "survey.response_created",
            "stream.started",
            "stream.ended",
        ]
    )
    event = content.event()
    session_id = content.session(event)
    question = client.post("/api/questions", json={"sessionId": session_id, "text": "q?"}, headers=attendee.headers)
    client.patch(f"/api/questions/{question.get_json()['id']}/answer", json={}, headers=moderator.headers)
    client.patch(f"/api/questions/{question.get_json()['id']}/answer", json={}, headers=moderator.headers)  # no change
    body = {"sessionId": session_id, "question": "Which?", "options": ["A", "B"], "isActive": True}
    first = client.post("/api/polls", json=body, headers=moderator.headers).get_json()
    second = client.post("/api/polls", json=body, headers=moderator.headers).get_json()  # closes the first
    client.patch(f"/api/polls/{second['id']}/activate", json={"isActive": False}, headers=moderator.headers)
    survey = client.post(
        "/api/surveys",
        json={"sessionId": session_id, "title": "S", "fields": [{"question": "Rate", "type": "RATING"}]},
        headers=admin.headers,
    ).get_json()
    field_id = survey["fields"][0]["id"]
    client.post(
        "/api/surveys/response", json={"surveyId": survey["id"], "responses": {field_id: 5}}, headers=attendee.headers
    )
    stream = client.post("/api/streams", json={"eventId": event, "sourceType": "HLS"}, headers=admin.headers).get_json()
    for status in ("LIVE", "ENDED"):
        client.patch(f"/api/streams/{stream['id']}", json={"status": status}, headers=admin.headers)

    events = [(row.event, row.payload["data"].get("id")) for row in _outbox(app)]
    assert events == [
        ("question.created", question.get_json()["id"]),
        ("question.answered", question.get_json()["id"]),
        ("poll.opened", first["id"]),
        ("poll.closed", first["id"]),
        ("poll.opened", second["id"]),
        ("poll.closed", second["id"]),
        ("survey.response_created", events[6][1]),
        ("stream.started", stream["id"]),
        ("stream.ended", stream["id"]),
    ]
    rows = _outbox(app)
    assert rows[1].payload["data"]["isAnswered"] is True
    assert rows[3].payload["data"]["isActive"] is False and rows[2].payload["data"]["options"][0]["votes"] == 0
    assert rows[6].payload["data"]["responses"] == {field_id: 5}
    assert rows[7].payload["data"]["status"] == "LIVE" and rows[8].payload["data"]["endedAt"]


def test_a_change_that_fails_leaves_no_outbox_row(app, client, attendee, live_session, make_hook, monkeypatch):
    make_hook()
    monkeypatch.setattr(db.session, "commit", lambda: (_ for _ in ()).throw(sa.exc.OperationalError("x", {}, None)))
    response = client.post("/api/messages", json={"sessionId": live_session, "text": "lost"}, headers=attendee.headers)
    monkeypatch.undo()
    assert response.status_code == 503
    assert _outbox(app) == []


def test_deliveries_list_retry_and_ping(app, client, admin, attendee, live_session, make_hook):
    hook = make_hook()
    client.post("/api/messages", json={"sessionId": live_session, "text": "hi"}, headers=attendee.headers)
    ping = client.post(f"/api/webhooks/{hook['id']}/test", headers=admin.headers)
    assert ping.status_code == 202 and ping.get_json()["event"] == "ping"

    listed = client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=admin.headers).get_json()
    assert [d["event"] for d in listed] == ["ping", "message.created"]  # newest first
    assert set(listed[0]) == {
        "id",
        "event",
        "status",
        "attempts",
        "lastStatusCode",
        "lastError",
        "nextAttemptAt",
        "createdAt",
        "deliveredAt",
    }
    assert listed[0]["status"] == "pending" and listed[0]["attempts"] == 0
    paged = client.get(
        f"/api/webhooks/{hook['id']}/deliveries", query_string={"limit": 1, "offset": 1}, headers=admin.headers
    )
    assert [d["event"] for d in paged.get_json()] == ["message.created"]

    with app.app_context():
        row = db.session.get(WebhookDelivery, uuid.UUID(listed[1]["id"]))
        row.status, row.attempts, row.attempts_left, row.next_attempt_at = DeliveryStatus.FAILED, 6, 0, None
        db.session.commit()
    retried = client.post(f"/api/webhooks/{hook['id']}/deliveries/{listed[1]['id']}/retry", headers=admin.headers)
    assert retried.status_code == 202
    assert retried.get_json()["status"] == "pending" and retried.get_json()["nextAttemptAt"]
    with app.app_context():
        assert db.session.get(WebhookDelivery, uuid.UUID(listed[1]["id"])).attempts_left == 1

    other = make_hook()
    wrong = client.post(f"/api/webhooks/{other['id']}/deliveries/{listed[1]['id']}/retry", headers=admin.headers)
    assert wrong.status_code == 404


def test_deleting_a_webhook_deletes_its_deliveries(app, client, admin, make_hook):
    hook = make_hook()
    client.post(f"/api/webhooks/{hook['id']}/test", headers=admin.headers)
    assert client.delete(f"/api/webhooks/{hook['id']}", headers=admin.headers).status_code == 204
    assert client.get(f"/api/webhooks/{hook['id']}", headers=admin.headers).status_code == 404
    assert _outbox(app) == []
