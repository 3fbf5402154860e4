"""Every dashboard form needs its CSRF token; without it nothing changes and the answer is a clear 400."""

from __future__ import annotations

import pytest

from plataforma.models import Message, Poll
from tests.moderator.conftest import JSON, csrf_from


def test_login_without_a_token_is_refused(client, moderator):
    response = client.post("/moderator/login", data={"email": moderator.email, "password": moderator.password})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "security token is missing, invalid or has expired" in html
    assert "Traceback" not in html
    assert client.get("/moderator").status_code == 303  # not signed in


def test_login_with_a_forged_token_is_refused(client, moderator):
    client.get("/moderator/login")
    response = client.post(
        "/moderator/login", data={"csrf_token": "forged", "email": moderator.email, "password": moderator.password}
    )
    assert response.status_code == 400


def test_a_token_from_another_browser_is_refused(app, mod, live_session, seed, attendee):
    message_id = seed.message(live_session, attendee)
    other = app.test_client()
    foreign = csrf_from(other.get("/moderator/login"))
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin", {"csrf_token": foreign})
    assert response.status_code == 400
    assert seed.get(Message, message_id).is_pinned is False


@pytest.mark.parametrize(
    "action, data",
    [
        ("messages/{message}/pin", {}),
        ("messages/{message}/delete", {}),
        ("questions/{question}/answer", {"answered": "true"}),
        ("questions/{question}/hide", {"hidden": "true"}),
        ("polls", {"question": "Q?", "option": ["A", "B"]}),
        ("polls/{poll}/activate", {"active": "true"}),
    ],
)
def test_every_action_needs_the_token(mod, seed, live_session, attendee, moderator, emits, action, data):
    ids = {
        "message": seed.message(live_session, attendee),
        "question": seed.question(live_session, attendee),
        "poll": seed.poll(live_session, moderator),
    }
    emits.clear()
    url = f"/moderator/sessions/{live_session}/" + action.format(**ids)
    response = mod.post(url, data, csrf=False)
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert emits == []  # nothing happened, so nothing was broadcast
    assert seed.get(Message, ids["message"]).is_pinned is False
    assert seed.get(Message, ids["message"]).is_deleted is False
    assert seed.get(Poll, ids["poll"]).is_active is False


def test_script_requests_get_a_json_400(mod, seed, live_session, attendee):
    message_id = seed.message(live_session, attendee)
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/delete", as_json=True, csrf=False)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert seed.get(Message, message_id).is_deleted is False


def test_the_token_also_works_as_a_header(mod, seed, live_session, attendee):
    message_id = seed.message(live_session, attendee)
    response = mod.client.post(
        f"/moderator/sessions/{live_session}/messages/{message_id}/pin", headers={**JSON, "X-CSRFToken": mod.token}
    )
    assert response.status_code == 200


def test_logout_needs_the_token(mod):
    assert mod.post("/moderator/logout", csrf=False).status_code == 400
    assert mod.get("/moderator").status_code == 200  # still signed in


def test_the_old_token_dies_with_the_session(mod, moderator, seed, live_session, attendee):
    old_token = mod.token
    mod.post("/moderator/logout")
    mod.login(moderator)
    message_id = seed.message(live_session, attendee)
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin", {"csrf_token": old_token})
    assert response.status_code == 400
