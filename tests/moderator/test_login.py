"""Signing in to the dashboard: who may, what happens otherwise, how it ends."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from plataforma.moderator.auth import SIGNED_IN_AT_KEY
from tests.moderator.conftest import JSON, Dashboard, csrf_from


def test_login_page_has_a_csrf_field_and_a_strict_csp(client):
    response = client.get("/moderator/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'type="hidden" name="csrf_token"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style=" not in html  # no inline styles at all
    assert "<script>" not in html  # every script is an external file
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", ["MODERATOR", "ADMIN"])
def test_moderators_and_admins_sign_in(dashboard, make_user, role):
    user = make_user(role, name="Marta Moderadora")
    board = dashboard()
    response = board.login(user)
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderator"
    assert board.landing.status_code == 200
    html = board.landing.get_data(as_text=True)
    assert "Marta Moderadora" in html and "Signed in as Marta Moderadora." in html
    assert "Sign out" in html


def test_email_is_case_insensitive(dashboard, make_user):
    user = make_user("MODERATOR", email="Mixed.Case@Example.com")
    board = dashboard()
    page = board.client.get("/moderator/login")
    response = board.client.post(
        "/moderator/login",
        data={"csrf_token": csrf_from(page), "email": "MIXED.case@example.COM", "password": user.password},
    )
    assert response.status_code == 303


def test_attendees_are_refused_with_a_clear_message(dashboard, attendee):
    board = dashboard()
    response = board.login(attendee)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "for moderators and admins" in html and "attendee account" in html
    # ...and they are not signed in.
    follow = board.get("/moderator")
    assert follow.status_code == 303 and follow.headers["Location"].startswith("/moderator/login")


def test_unknown_email_and_wrong_password_get_the_same_answer(dashboard, moderator):
    board = dashboard()
    wrong_password = board.login(moderator, password="not-the-password")
    unknown = dashboard().login(SimpleNamespace(email="nobody@example.com", password="password123"))
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert "Invalid email or password." in response.get_data(as_text=True)
    assert board.get("/moderator").status_code == 303


def test_the_email_is_kept_and_escaped_after_a_failed_attempt(dashboard, moderator):
    board = dashboard()
    page = board.client.get("/moderator/login")
    response = board.client.post(
        "/moderator/login", data={"csrf_token": csrf_from(page), "email": '"><b>x</b>', "password": "whatever1"}
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "&#34;&gt;&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_missing_fields_are_a_400_with_a_message(dashboard):
    board = dashboard()
    page = board.client.get("/moderator/login")
    response = board.client.post("/moderator/login", data={"csrf_token": csrf_from(page), "email": ""})
    assert response.status_code == 400
    assert "Enter your email address and password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/moderator",
        "/moderator/",
        "/moderator/events/{event}",
        "/moderator/sessions/{session}",
        "/moderator/socket-token",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, content, path):
    session_id = content.session()
    path = path.format(event="00000000-0000-4000-8000-000000000000", session=session_id)
    response = client.get(path)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/moderator/login?next=")
    login = client.get(location)
    assert "Sign in to continue." in login.get_data(as_text=True)


def test_anonymous_posts_change_nothing_and_go_to_login(client, seed, live_session, attendee):
    message_id = seed.message(live_session, attendee)
    response = client.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin", data={})
    assert response.status_code == 303 and response.headers["Location"] == "/moderator/login"
    from plataforma.models import Message

    assert seed.get(Message, message_id).is_pinned is False


def test_anonymous_json_requests_get_a_401(client):
    response = client.get("/moderator/socket-token", headers=JSON)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_login_returns_to_the_page_asked_for(dashboard, moderator, live_session):
    target = f"/moderator/sessions/{live_session}"
    response = dashboard().login(moderator, next_url=target)
    assert response.status_code == 303 and response.headers["Location"] == target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/auth/me", "/\\evil.example"])
def test_login_never_redirects_off_the_dashboard(dashboard, moderator, target):
    response = dashboard().login(moderator, next_url=target)
    assert response.status_code == 303 and response.headers["Location"] == "/moderator"


def test_signed_in_users_skip_the_login_form(mod):
    response = mod.get("/moderator/login")
    assert response.status_code == 303 and response.headers["Location"] == "/moderator"


def test_logout_ends_the_session(mod):
    response = mod.post("/moderator/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/moderator/login"
    assert "You have signed out." in mod.get("/moderator/login").get_data(as_text=True)
    assert mod.get("/moderator").status_code == 303


def test_an_expired_login_redirects_to_the_login_page(app, mod):
    lifetime = app.permanent_session_lifetime.total_seconds()
    with mod.client.session_transaction() as cookie:
        cookie[SIGNED_IN_AT_KEY] = int(time.time() - lifetime - 60)
    response = mod.get("/moderator")
    assert response.status_code == 303 and response.headers["Location"].startswith("/moderator/login")
    assert "Your sign-in has expired." in mod.get(response.headers["Location"]).get_data(as_text=True)
    assert mod.get("/moderator").status_code == 303  # the old cookie is gone for good


def test_a_tampered_cookie_is_not_a_login(app, moderator):
    board = Dashboard(app.test_client())
    board.client.set_cookie("session", "eyJtb2RlcmF0b3JfdXNlcl9pZCI6IngifQ.forged.signature", domain="localhost")
    assert board.get("/moderator").status_code == 303


def test_a_demoted_moderator_is_signed_out_on_the_next_click(app, mod, moderator):
    from plataforma.extensions import db
    from plataforma.models import Profile, Role

    with app.app_context():
        db.session.get(Profile, uuid.UUID(moderator.id)).role = Role.ATTENDEE
        db.session.commit()
    response = mod.get("/moderator")
    assert response.status_code == 303
    assert "no longer has moderator access" in mod.get(response.headers["Location"]).get_data(as_text=True)


def test_a_deleted_account_is_signed_out(app, mod, moderator):
    from plataforma.extensions import db
    from plataforma.models import Credential, Profile

    with app.app_context():
        user_id = uuid.UUID(moderator.id)
        db.session.execute(sa.delete(Profile).where(Profile.id == user_id))
        db.session.execute(sa.delete(Credential).where(Credential.id == user_id))
        db.session.commit()
    assert mod.get("/moderator").status_code == 303


def test_login_is_rate_limited_like_the_auth_api(make_app, make_user):
    app = make_app(AUTH_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = csrf_from(client.get("/moderator/login"))
    statuses = [
        client.post(
            "/moderator/login", data={"csrf_token": token, "email": "a@b.co", "password": "wrong-pass"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    response = client.post("/moderator/login", data={"csrf_token": token, "email": "a@b.co", "password": "x"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    # GET is not limited: the form stays reachable.
    assert client.get("/moderator/login").status_code == 200


def test_the_socket_token_is_a_short_lived_access_token_of_the_moderator(app, mod, moderator):
    response = mod.get("/moderator/socket-token", headers=JSON)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    from flask_jwt_extended import decode_token

    with app.app_context():
        claims = decode_token(response.get_json()["token"])
    assert claims["sub"] == moderator.id and claims["type"] == "access"
    assert claims["exp"] - claims["iat"] <= 15 * 60


def test_dashboard_and_api_sign_ins_share_one_counter(make_app):
    app = make_app(AUTH_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = csrf_from(client.get("/moderator/login"))
    for _ in range(2):
        assert client.post("/api/auth/signin", json={"email": "a@b.co", "password": "wrong-pass"}).status_code == 401
    dashboard_tries = [
        client.post(
            "/moderator/login", data={"csrf_token": token, "email": "a@b.co", "password": "wrong-pass"}
        ).status_code
        for _ in range(2)
    ]
    assert dashboard_tries == [401, 429]  # switching doors does not buy more guesses


CONTROL_TARGETS = ["/moderator/\r\nSet-Cookie: a=b", "/moderator/\x00", "/moderator/\tx", "/moderator/\x7f"]


@pytest.mark.parametrize("target", CONTROL_TARGETS)
def test_a_next_with_control_characters_is_ignored_not_a_500(app, mod, moderator, target):
    """A CR/LF in ``next`` used to reach the Location header (ValueError, 500)."""
    response = mod.get("/moderator/login", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/moderator"

    browser = app.test_client()
    page = browser.get("/moderator/login", query_string={"next": target})
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page), "email": moderator.email, "password": moderator.password, "next": target}
    response = browser.post("/moderator/login", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/moderator"


@pytest.mark.parametrize("page", ["100000000000000000000", "99999999999", "-5", "0", "x"])
def test_an_absurd_page_number_is_not_a_500(mod, page):
    response = mod.get("/moderator", query_string={"page": page})
    assert response.status_code == 200
