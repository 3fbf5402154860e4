"""Stream lifecycle (SPEC §11): start / pause / end, the transition table on POST actions and on PATCH,
startedAt / endedAt, who may do it, `stream_status` to every session room and the `stream.*` webhooks."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import WebhookDelivery
from tests.api.content_helpers import ROLES, Rows, at, error_code, error_fields, record_emits
from tests.api.test_streams import parse

STATUSES = ("IDLE", "LIVE", "PAUSED", "ENDED")
ACTIONS = {"start": "LIVE", "pause": "PAUSED", "end": "ENDED"}
# The table of SPEC §11, written out independently of the service's.
ALLOWED = {("IDLE", "LIVE"), ("PAUSED", "LIVE"), ("LIVE", "PAUSED"), ("LIVE", "ENDED"), ("PAUSED", "ENDED")}


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def emits(monkeypatch):
    return record_emits(monkeypatch)


@pytest.fixture
def event(rows):
    return rows.event(project_status="LIVE")


def _stream(rows, event, status: str, **values) -> str:
    if status != "IDLE":
        values.setdefault("started_at", at(0))
    if status == "ENDED":
        values.setdefault("ended_at", at(1))
    return rows.stream(event, status=status, **values)


def _webhooks(app) -> list[str]:
    with app.app_context():
        names = list(db.session.scalars(sa.select(WebhookDelivery.event).order_by(WebhookDelivery.created_at)))
        db.session.remove()
    return names


@pytest.fixture
def subscribed(client, admin, monkeypatch):
    """A webhook subscribed to the three stream events (deliveries are only written, never sent here)."""
    from tests.webhook_support import install_dns

    install_dns(monkeypatch)["hooks.example.com"] = ["93.184.216.34"]
    response = client.post(
        "/api/webhooks",
        json={"url": "https://hooks.example.com/in", "events": ["stream.started", "stream.paused", "stream.ended"]},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.get_json()


# ---------------------------------------------------------------- the matrix


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_status(client, moderator, rows, event, emits, current, action):
    session = rows.session(event)
    stream = _stream(rows, event, current)
    response = client.post(f"/api/streams/{stream}/{action}", headers=moderator.headers)
    target = ACTIONS[action]
    if (current, target) in ALLOWED:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == target
        assert emits.named("stream_status") == [
            ({"streamId": stream, "eventId": event, "status": target}, f"session:{session}")
        ]
    else:
        assert response.status_code == 409
        assert error_code(response) == "invalid_transition"
        assert emits.calls == []
        assert client.get(f"/api/streams/{stream}", headers=moderator.headers).get_json()["status"] == current


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_every_patch_from_every_status(client, admin, rows, event, emits, current, target):
    rows.session(event)
    stream = _stream(rows, event, current)
    response = client.patch(f"/api/streams/{stream}", json={"status": target}, headers=admin.headers)
    if current == target:  # repeating the current status is no transition: nothing changes, nothing is told
        assert response.status_code == 200 and response.get_json()["status"] == current
        assert emits.calls == []
    elif (current, target) in ALLOWED:
        assert response.status_code == 200 and response.get_json()["status"] == target
        assert [payload["status"] for payload, _room in emits.named("stream_status")] == [target]
    else:
        assert response.status_code == 409
        assert error_code(response) == "invalid_transition"
        assert emits.calls == []


def test_a_refused_patch_changes_nothing_else(client, admin, rows, event):
    stream = _stream(rows, event, "ENDED", source_url="https://cdn.example.com/a.m3u8")
    response = client.patch(
        f"/api/streams/{stream}",
        json={"status": "LIVE", "sourceUrl": "https://cdn.example.com/b.m3u8"},
        headers=admin.headers,
    )
    assert response.status_code == 409
    body = client.get(f"/api/streams/{stream}", headers=admin.headers).get_json()
    assert (body["status"], body["sourceUrl"]) == ("ENDED", "https://cdn.example.com/a.m3u8")


@pytest.mark.parametrize(("status", "ok"), [("IDLE", True), ("LIVE", True), ("PAUSED", False), ("ENDED", False)])
def test_a_new_stream_is_idle_or_live(client, admin, event, emits, status, ok):
    response = client.post(
        "/api/streams", json={"eventId": event, "sourceType": "HLS", "status": status}, headers=admin.headers
    )
    if ok:
        assert response.status_code == 201 and response.get_json()["status"] == status
    else:
        assert response.status_code == 400 and "status" in error_fields(response)
        assert emits.calls == []


# ---------------------------------------------------------------- times


def test_started_at_is_set_by_the_first_start_only_and_ended_at_by_the_end(client, moderator, rows, event):
    stream = rows.stream(event)
    url = f"/api/streams/{stream}"

    started = client.post(f"{url}/start", headers=moderator.headers).get_json()
    assert started["status"] == "LIVE" and started["startedAt"] is not None and started["endedAt"] is None
    paused = client.post(f"{url}/pause", headers=moderator.headers).get_json()
    assert paused["status"] == "PAUSED" and paused["startedAt"] == started["startedAt"]
    resumed = client.post(f"{url}/start", headers=moderator.headers).get_json()
    assert resumed["status"] == "LIVE" and resumed["startedAt"] == started["startedAt"]  # not reset by a resume
    ended = client.post(f"{url}/end", headers=moderator.headers).get_json()
    assert ended["status"] == "ENDED" and ended["startedAt"] == started["startedAt"]
    assert parse(ended["endedAt"]) >= parse(ended["startedAt"])
    again = client.post(f"{url}/start", headers=moderator.headers)
    assert again.status_code == 409 and error_code(again) == "invalid_transition"


def test_ending_a_paused_stream_stamps_ended_at(client, moderator, rows, event):
    stream = _stream(rows, event, "PAUSED")
    body = client.post(f"/api/streams/{stream}/end", headers=moderator.headers).get_json()
    assert body["status"] == "ENDED" and body["endedAt"] is not None
    assert body["startedAt"] == "2030-05-01T09:00:00.000Z"


def test_only_a_live_stream_is_active(client, attendee, moderator, rows, event):
    stream = rows.stream(event)
    url = f"/api/streams/event/{event}/active"
    client.post(f"/api/streams/{stream}/start", headers=moderator.headers)
    assert client.get(url, headers=attendee.headers).get_json()["id"] == stream
    client.post(f"/api/streams/{stream}/pause", headers=moderator.headers)
    response = client.get(url, headers=attendee.headers)
    assert response.status_code == 404 and error_code(response) == "no_active_stream"


# ---------------------------------------------------------------- who


ACTION_STATUS = {"anonymous": 401, "attendee": 403, "moderator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_are_for_moderators_and_admins(client, users, rows, event, emits, role, action):
    stream = _stream(rows, event, "PAUSED" if action == "start" else "LIVE")
    response = client.post(f"/api/streams/{stream}/{action}", headers=users[role])
    assert response.status_code == ACTION_STATUS[role]
    if role == "attendee":
        assert error_code(response) == "forbidden"


@pytest.mark.parametrize(("role", "expected"), [("moderator", 404), ("admin", 200)])
def test_actions_on_a_draft_projects_stream(client, users, rows, role, expected):
    event = rows.event(project_status="DRAFT")
    stream = rows.stream(event)
    assert client.post(f"/api/streams/{stream}/start", headers=users[role]).status_code == expected


@pytest.mark.parametrize("ident", [str(uuid.uuid4()), "nope"])
def test_actions_on_an_unknown_stream(client, moderator, ident):
    for action in ACTIONS:
        assert client.post(f"/api/streams/{ident}/{action}", headers=moderator.headers).status_code == 404


def test_patch_stays_admin_only(client, moderator, rows, event):
    stream = rows.stream(event)
    response = client.patch(f"/api/streams/{stream}", json={"status": "LIVE"}, headers=moderator.headers)
    assert response.status_code == 403


# ---------------------------------------------------------------- who hears it


def test_every_change_tells_every_session_room_of_the_event(client, moderator, rows, event, emits):
    sessions = {rows.session(event) for _ in range(3)}
    rows.session(rows.event())  # another event's session: not told
    stream = rows.stream(event)
    for action in ("start", "pause", "start", "end"):
        assert client.post(f"/api/streams/{stream}/{action}", headers=moderator.headers).status_code == 200
    calls = emits.named("stream_status")
    assert len(calls) == 4 * 3
    assert {room for _payload, room in calls} == {f"session:{s}" for s in sessions}
    statuses = [payload["status"] for payload, room in calls if room == f"session:{min(sessions)}"]
    assert statuses == ["LIVE", "PAUSED", "LIVE", "ENDED"]


def test_changes_are_numbered_in_each_room(client, moderator, attendee, rows, event, emits):
    session = rows.session(event)
    stream = rows.stream(event)
    client.post(f"/api/streams/{stream}/start", headers=moderator.headers)
    client.post(f"/api/streams/{stream}/pause", headers=moderator.headers)
    logged = client.get(f"/api/sessions/{session}/events", headers=attendee.headers).get_json()
    assert [(e["event"], e["data"]["status"], e["seq"]) for e in logged] == [
        ("stream_status", "LIVE", 1),
        ("stream_status", "PAUSED", 2),
    ]


def test_each_change_enqueues_its_webhook(app, client, moderator, rows, event, subscribed):
    stream = rows.stream(event)
    for action in ("start", "pause", "start", "end"):
        client.post(f"/api/streams/{stream}/{action}", headers=moderator.headers)
    refused = client.post(f"/api/streams/{stream}/pause", headers=moderator.headers)
    assert refused.status_code == 409
    assert _webhooks(app) == ["stream.started", "stream.paused", "stream.started", "stream.ended"]


# ---------------------------------------------------------------- audit (SPEC §15)


def test_stream_actions_are_audited_whether_posted_or_patched(app, client, moderator, admin, rows, event):
    from tests.api.moderation_support import audit_actions

    stream = rows.stream(event)
    for action in ("start", "pause", "start", "end"):
        assert client.post(f"/api/streams/{stream}/{action}", headers=moderator.headers).status_code == 200
    other = rows.stream(event)
    for status in ("LIVE", "LIVE", "PAUSED"):  # the same status again changes nothing: no entry
        assert client.patch(f"/api/streams/{other}", json={"status": status}, headers=admin.headers).status_code == 200
    assert client.post(f"/api/streams/{other}/end", headers=admin.headers).status_code == 200
    assert client.post(f"/api/streams/{other}/start", headers=admin.headers).status_code == 409  # refused: no entry
    posted = ["stream.start", "stream.pause", "stream.start", "stream.end"]
    assert audit_actions(app, event) == posted + ["stream.start", "stream.pause", "stream.end"]
    log = client.get(f"/api/events/{event}/audit", headers=moderator.headers).get_json()
    assert {entry["targetType"] for entry in log} == {"stream"}
    assert {entry["targetId"] for entry in log} == {stream, other}
    assert all(entry["sessionId"] is None for entry in log)
