"""Guests (SPEC §12) on REST: `POST /api/auth/guest`, the GUEST token (one event, 4 hours, no refresh, no
profile), every route of the API tried with it (the allow-list succeeds, the rest is 403
`guest_not_allowed`), other events as if they did not exist, expired and revoked guest tokens."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask_jwt_extended import decode_token

from plataforma.extensions import db
from plataforma.models import Event, ProductClick, Profile, ProjectStatus
from tests.api.content_helpers import error_code
from tests.api.test_rtc_tokens import APP_ID, CERTIFICATE, decode
from tests.guest_support import expired_guest_token, guest_headers, guest_session, place

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def app(make_app):
    return make_app(AGORA_APP_ID=APP_ID, AGORA_APP_CERTIFICATE=CERTIFICATE)


@pytest.fixture
def world(app, client, admin, moderator, attendee):
    """``own``: the guest's event; ``other``: another event that allows guests too."""
    return {
        "own": place(app, client, admin, moderator, attendee),
        "other": place(app, client, admin, moderator, attendee),
    }


@pytest.fixture
def guest(client, world):
    return guest_headers(client, world["own"].event)


# ---------------------------------------------------------------- POST /api/auth/guest


def test_a_guest_session_is_an_access_token_for_one_event_and_four_hours(app, client, world):
    response = client.post("/api/auth/guest", json={"eventId": world["own"].event})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    session = response.get_json()["session"]
    assert list(session) == ["access_token", "token_type", "expires_in", "expires_at"]  # no refresh token
    assert (session["token_type"], session["expires_in"]) == ("bearer", 4 * 3600)
    with app.app_context():
        claims = decode_token(session["access_token"])
        assert claims["exp"] - claims["iat"] == 4 * 3600
        assert claims["guest_event"] == world["own"].event
        assert db.session.get(Profile, uuid.UUID(claims["sub"])) is None  # no profile row
        db.session.remove()
    other = guest_session(client, world["own"].event)
    assert decode_token_sub(app, other) != decode_token_sub(app, session)  # each guest is someone new


def decode_token_sub(app, session) -> str:
    with app.app_context():
        return decode_token(session["access_token"])["sub"]


def test_me_says_guest_and_no_profile(client, guest):
    response = client.get("/api/auth/me", headers=guest)
    assert response.status_code == 200
    body = response.get_json()
    assert body["profile"] is None and body["user"]["role"] == "GUEST" and list(body["user"]) == ["id", "role"]


def test_guests_only_for_events_that_allow_them(app, client, admin, moderator, attendee, world):
    closed = place(app, client, admin, moderator, attendee, allow_guests=False)
    for event_id in (closed.event, str(uuid.uuid4())):
        response = client.post("/api/auth/guest", json={"eventId": event_id})
        assert response.status_code == 404 and error_code(response) == "not_found"


def test_no_guests_in_a_draft_project(app, client, world):
    with app.app_context():
        event = db.session.get(Event, uuid.UUID(world["own"].event))
        event.project.status = ProjectStatus.DRAFT
        db.session.commit()
    assert client.post("/api/auth/guest", json={"eventId": world["own"].event}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"eventId": "nope"}, {"eventId": None}, {"eventId": str(uuid.uuid4()), "x": 1}])
def test_guest_body_is_validated(client, body):
    response = client.post("/api/auth/guest", json=body)
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_guest_creation_is_rate_limited_like_auth(make_app):
    app = make_app(AUTH_RATE_LIMIT="2 per minute")
    limited = app.test_client()
    codes = [limited.post("/api/auth/guest", json={"eventId": str(uuid.uuid4())}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    assert limited.post("/api/auth/signin", json={"email": "a@b.c", "password": "x"}).status_code == 429  # one budget


def test_a_guest_token_cannot_be_refreshed(client, world):
    session = guest_session(client, world["own"].event)
    response = client.post("/api/auth/refresh", json={"refresh_token": session["access_token"]})
    assert response.status_code == 401


def test_admins_set_allow_guests(client, admin, moderator, world):
    event = world["own"].event
    assert client.get(f"/api/events/{event}", headers=admin.headers).get_json()["allowGuests"] is True
    assert (
        client.patch(f"/api/events/{event}", json={"allowGuests": False}, headers=moderator.headers).status_code == 403
    )
    response = client.patch(f"/api/events/{event}", json={"allowGuests": False}, headers=admin.headers)
    assert response.status_code == 200 and response.get_json()["allowGuests"] is False
    created = client.post(
        "/api/events", json={"projectId": client_project(client, admin), "title": "New"}, headers=admin.headers
    )
    assert created.get_json()["allowGuests"] is False  # the default


def client_project(client, admin) -> str:
    return client.post("/api/projects", json={"name": "P", "status": "LIVE"}, headers=admin.headers).get_json()["id"]


def test_turning_guests_off_closes_the_event_to_tokens_already_given(client, admin, guest, world):
    event = world["own"].event
    assert client.get(f"/api/events/{event}", headers=guest).status_code == 200
    client.patch(f"/api/events/{event}", json={"allowGuests": False}, headers=admin.headers)
    assert client.get(f"/api/events/{event}", headers=guest).status_code == 404
    assert client.get(f"/api/messages/session/{world['own'].session}", headers=guest).status_code == 404


# ---------------------------------------------------------------- every route of the contract


def _allowed_requests(place, other_product_clicks=None) -> dict:
    """endpoint -> (method, url, body, expected status) for the guests' allow-list (SPEC §12)."""
    s, e = place.session, place.event
    return {
        "auth.me": ("get", "/api/auth/me", None, 200),
        "events.list_events": ("get", "/api/events", None, 200),
        "events.live_event": ("get", "/api/events/live", None, 200),
        "events.get_event": ("get", f"/api/events/{e}", None, 200),
        "sessions.list_sessions": ("get", f"/api/sessions/event/{e}", None, 200),
        "streams.list_streams": ("get", f"/api/streams/event/{e}", None, 200),
        "streams.active_stream": ("get", f"/api/streams/event/{e}/active", None, 200),
        "streams.get_stream": ("get", f"/api/streams/{place.stream}", None, 200),
        "streams.rtc_token": ("post", f"/api/streams/{place.stream}/rtc-token", {}, 200),
        "rooms.list_rooms": ("get", f"/api/rooms/event/{e}", None, 200),
        "messages.list_messages": ("get", f"/api/messages/session/{s}", None, 200),
        "questions.list_questions": ("get", f"/api/questions/session/{s}", None, 200),
        "polls.list_polls": ("get", f"/api/polls/session/{s}", None, 200),
        "polls.active_poll": ("get", f"/api/polls/session/{s}/active", None, 200),
        "session_products.list_session_products": ("get", f"/api/sessions/{s}/products", None, 200),
        "session_products.click_product": ("post", f"/api/sessions/{s}/products/{place.product}/click", None, 204),
        "session_products.reaction_totals": ("get", f"/api/sessions/{s}/reactions", None, 200),
        "reactions.send_reaction": ("post", "/api/reactions", {"sessionId": s, "type": "clap"}, 202),
        "session_events.list_session_events": ("get", f"/api/sessions/{s}/events", None, 200),
        "auth.signout": ("post", "/api/auth/signout", None, 204),  # last: it revokes the token
    }


def _operations(app, client):
    """(endpoint, method, OpenAPI path) of every operation that takes a bearer token."""
    doc = client.get("/api/openapi.json").get_json()
    endpoints = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule).rstrip("/") or "/"
        for method in rule.methods or ():
            endpoints[(path, method.lower())] = rule.endpoint
    found = []
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item and item[method].get("security") != [{}]:
                found.append((endpoints[(path, method)], method, path))
    return found


def _fill(path: str, place) -> str:
    values = {
        "event_id": place.event,
        "id_or_slug": place.event,
        "session_id": place.session,
        "stream_id": place.stream,
        "room_id": place.room,
        "message_id": place.message,
        "question_id": place.question,
        "poll_id": place.poll,
        "product_id": place.product,
        "kind": "messages",
    }
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), path)


def test_every_route_with_a_guest_token(app, client, guest, world):
    own = world["own"]
    allowed = _allowed_requests(own)
    operations = _operations(app, client)
    assert {endpoint for endpoint, _m, _p in operations} >= set(allowed)  # the allow-list names real routes
    refused = []
    for endpoint, method, path in operations:
        if endpoint in allowed:
            continue
        response = client.open(_fill(path, own), method=method.upper(), json={}, headers=guest)
        refused.append(endpoint)
        assert response.status_code == 403, (method, path, response.status_code)
        assert error_code(response) == "guest_not_allowed", (method, path)
    assert len(refused) > 40  # the catalogue, profiles, chat, questions, votes, surveys, admin and moderator routes…
    for endpoint, (method, url, body, expected) in allowed.items():
        response = client.open(url, method=method.upper(), json=body, headers=guest)
        assert response.status_code == expected, (endpoint, response.status_code, response.get_json())


def test_what_the_allowed_routes_answer_a_guest(client, guest, world):
    own = world["own"]
    assert [e["id"] for e in client.get("/api/events", headers=guest).get_json()] == [own.event]
    assert client.get("/api/events/live", headers=guest).get_json()["id"] == own.event
    assert [m["id"] for m in client.get(f"/api/messages/session/{own.session}", headers=guest).get_json()] == [
        own.message
    ]
    questions = client.get(f"/api/questions/session/{own.session}", headers=guest).get_json()
    assert [(q["id"], q["hasUpvoted"]) for q in questions] == [(own.question, False)]
    poll = client.get(f"/api/polls/session/{own.session}/active", headers=guest).get_json()
    assert (poll["id"], poll["userVoteOptionId"]) == (own.poll, None)
    token = client.post(f"/api/streams/{own.stream}/rtc-token", json={}, headers=guest).get_json()
    assert token["role"] == "subscriber" and token["channel"] == "stage-1"
    assert decode(token["token"], CERTIFICATE)["rtc"]["privileges"] == {1: 3600}


def test_a_guest_gets_a_fresh_uid_per_rtc_token_and_never_publishes(client, guest, world):
    url = f"/api/streams/{world['own'].stream}/rtc-token"
    uids = {client.post(url, json={}, headers=guest).get_json()["uid"] for _ in range(5)}
    assert len(uids) == 5 and all(2**31 <= uid < 2**32 for uid in uids)
    response = client.post(url, json={"role": "publisher"}, headers=guest)
    assert response.status_code == 403 and error_code(response) == "guest_not_allowed"


def test_a_guest_click_counts_under_its_guest_id(app, client, world):
    session = guest_session(client, world["own"].event)
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    own = world["own"]
    assert client.post(f"/api/sessions/{own.session}/products/{own.product}/click", headers=headers).status_code == 204
    with app.app_context():
        click = db.session.scalar(sa.select(ProductClick))
        assert click.user_id is None and str(click.guest_id) == decode_token(session["access_token"])["sub"]
        db.session.remove()


def test_another_event_and_everything_in_it_is_404(client, guest, world):
    other = world["other"]
    for endpoint, (method, url, body, expected) in _allowed_requests(other).items():
        if endpoint in {"auth.me", "auth.signout", "events.list_events", "events.live_event"}:
            continue  # not about one event
        if body and "sessionId" in body:
            body = {**body, "sessionId": other.session}
        response = client.open(url, method=method.upper(), json=body, headers=guest)
        assert response.status_code == 404, (endpoint, response.status_code)
    assert other.event not in {e["id"] for e in client.get("/api/events", headers=guest).get_json()}


def test_an_unknown_id_looks_like_another_events(client, guest, world):
    for url in (f"/api/events/{uuid.uuid4()}", f"/api/messages/session/{uuid.uuid4()}"):
        response = client.get(url, headers=guest)
        assert response.status_code == 404 and error_code(response) == "not_found"


def test_an_expired_guest_token_is_refused(app, client, world):
    headers = {"Authorization": f"Bearer {expired_guest_token(app, world['own'].event)}"}
    for url in ("/api/auth/me", f"/api/events/{world['own'].event}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 401 and error_code(response) == "token_expired"


def test_a_signed_out_guest_token_is_dead(client, guest):
    assert client.post("/api/auth/signout", headers=guest).status_code == 204
    response = client.get("/api/auth/me", headers=guest)
    assert response.status_code == 401 and error_code(response) == "token_revoked"
