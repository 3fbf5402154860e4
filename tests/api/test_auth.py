"""POST /api/auth/* and GET /api/auth/me: happy paths and every refusal."""

from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token, create_refresh_token

SIGNUP = {"email": "New.User@Example.COM", "password": "correct-horse", "name": "  New\x00 User  "}


def signup(client, **overrides):
    return client.post("/api/auth/signup", json={**SIGNUP, **overrides})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_signup_creates_an_attendee_and_signs_in(client):
    response = signup(client, company="ACME")
    assert response.status_code == 201
    body = response.json
    assert body["user"]["email"] == "new.user@example.com"
    profile = body["profile"]
    assert profile["id"] == body["user"]["id"]
    assert profile["name"] == "New User"  # trimmed, control characters removed
    assert profile["role"] == "ATTENDEE"
    assert profile["company"] == "ACME"
    assert profile["createdAt"].endswith("Z")
    session = body["session"]
    assert set(session) == {"access_token", "refresh_token", "token_type", "expires_in", "expires_at"}
    assert session["token_type"] == "bearer"
    me = client.get("/api/auth/me", headers=bearer(session["access_token"]))
    assert me.status_code == 200
    assert me.json["user"] == body["user"]
    assert me.json["profile"]["email"] == "new.user@example.com"


def test_signup_cannot_choose_a_role(client):
    response = signup(client, role="ADMIN")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"role": ["Unknown field."]}


def test_duplicate_email_is_409_whatever_the_case(client):
    assert signup(client).status_code == 201
    response = signup(client, email="new.user@EXAMPLE.com")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "email_taken"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "correct-horse", "name": "N"}, "email"),
        ({"email": "not-an-email", "password": "correct-horse", "name": "N"}, "email"),
        ({"email": "a@b.io", "password": "short", "name": "N"}, "password"),
        ({"email": "a@b.io", "password": 12345678, "name": "N"}, "password"),
        ({"email": "a@b.io", "password": "correct-horse", "name": "   "}, "name"),
        ({"email": "a@b.io", "password": "correct-horse"}, "name"),
        ({"email": "a@b.io", "password": "correct-horse", "name": "N", "isAdmin": True}, "isAdmin"),
    ],
)
def test_signup_validation_names_the_field(client, body, field):
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_signin_returns_a_session(client, make_user):
    user = make_user(email="signin@example.com", password="s3cret-pass")
    response = client.post("/api/auth/signin", json={"email": " SIGNIN@example.com ", "password": "s3cret-pass"})
    assert response.status_code == 200
    assert response.json["user"]["id"] == user.id
    assert response.json["profile"]["lastLoginAt"] is not None
    assert client.get("/api/auth/me", headers=bearer(response.json["session"]["access_token"])).status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_401(client, make_user):
    make_user(email="known@example.com", password="s3cret-pass")
    wrong = client.post("/api/auth/signin", json={"email": "known@example.com", "password": "nope-nope"})
    unknown = client.post("/api/auth/signin", json={"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_refresh_rotates_and_a_used_refresh_token_is_dead(client, attendee):
    refresh_token = attendee.session["refresh_token"]
    first = client.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert first.status_code == 200
    new_session = first.json["session"]
    assert new_session["refresh_token"] != refresh_token
    assert client.get("/api/auth/me", headers=bearer(new_session["access_token"])).status_code == 200
    again = client.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert again.status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": new_session["refresh_token"]}).status_code == 200


def test_refresh_refuses_access_tokens_and_garbage(client, attendee):
    assert client.post("/api/auth/refresh", json={"refresh_token": attendee.token}).status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": "garbage"}).status_code == 401
    missing = client.post("/api/auth/refresh", json={})
    assert missing.status_code == 400
    assert "refresh_token" in missing.json["error"]["fields"]


def test_refresh_token_is_not_an_access_token(client, attendee):
    assert client.get("/api/auth/me", headers=bearer(attendee.session["refresh_token"])).status_code == 401


def test_signout_revokes_access_and_refresh_tokens(client, attendee):
    response = client.post(
        "/api/auth/signout", headers=attendee.headers, json={"refresh_token": attendee.session["refresh_token"]}
    )
    assert response.status_code == 204
    assert response.data == b""
    me = client.get("/api/auth/me", headers=attendee.headers)
    assert me.status_code == 401
    assert me.json["error"]["code"] == "token_revoked"
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": attendee.session["refresh_token"]})
    assert refreshed.status_code == 401


def test_revocation_survives_a_restart(make_app, attendee, client):
    assert client.post("/api/auth/signout", headers=attendee.headers).status_code == 204
    # A new app (a restarted process) with the same keys still refuses the token.
    restarted = make_app(
        SECRET_KEY=client.application.config["SECRET_KEY"], JWT_SECRET_KEY=client.application.config["JWT_SECRET_KEY"]
    )
    assert restarted.test_client().get("/api/auth/me", headers=attendee.headers).status_code == 401


def test_signout_requires_a_token(client):
    assert client.post("/api/auth/signout").status_code == 401


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_missing_or_malformed_tokens_are_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] in {"unauthorized", "invalid_token"}


def test_forged_token_is_401(client, make_app, attendee):
    forger = make_app(JWT_SECRET_KEY="x" * 64)  # same claims, someone else's key
    with forger.app_context():
        forged = create_access_token(identity=attendee.id)
    response = client.get("/api/auth/me", headers=bearer(forged))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"


def test_expired_token_is_401(client, app, attendee):
    with app.app_context():
        expired = create_access_token(identity=attendee.id, expires_delta=timedelta(seconds=-30))
    response = client.get("/api/auth/me", headers=bearer(expired))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_expired"


def test_an_expired_refresh_token_is_401_token_expired(client, app, attendee):
    with app.app_context():
        expired = create_refresh_token(identity=attendee.id, expires_delta=timedelta(seconds=-30))
    response = client.post("/api/auth/refresh", json={"refresh_token": expired})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_expired"


def test_token_of_a_deleted_user_is_401(client, app, attendee):
    import uuid

    from plataforma.extensions import db
    from plataforma.models import Credential

    with app.app_context():
        db.session.delete(db.session.get(Credential, uuid.UUID(attendee.id)))
        db.session.commit()
    assert client.get("/api/auth/me", headers=attendee.headers).status_code == 401


def test_supabase_tokens_are_accepted_when_configured(make_app):
    import jwt as pyjwt

    secret = "s" * 40
    app = make_app(SUPABASE_JWT_SECRET=secret)
    import time
    import uuid

    user_id = str(uuid.uuid4())
    token = pyjwt.encode(
        {
            "sub": user_id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": "Supa@Base.io",
            "iss": "https://abc.supabase.co/auth/v1",
            "exp": int(time.time()) + 600,
            "iat": int(time.time()),
            "user_metadata": {"name": "Supa"},
        },
        secret,
        algorithm="HS256",
    )
    response = app.test_client().get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json["profile"]["id"] == user_id
    assert response.json["profile"]["role"] == "ATTENDEE"
    assert response.json["user"]["email"] == "supa@base.io"
    # Without the setting, the same token is refused.
    assert make_app().test_client().get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_signout_revokes_supabase_tokens_too(make_app):
    import time
    import uuid

    import jwt as pyjwt

    secret = "s" * 40
    app = make_app(SUPABASE_JWT_SECRET=secret)
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "aud": "authenticated",
        "role": "authenticated",
        "email": "sb@x.io",
        "iss": "https://abc.supabase.co/auth/v1",
        "exp": now + 600,
        "iat": now,
        "session_id": "s1",
    }
    token = pyjwt.encode(claims, secret, algorithm="HS256")  # Supabase tokens carry no jti
    other = pyjwt.encode({**claims, "session_id": "s2"}, secret, algorithm="HS256")
    client = app.test_client()
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert client.post("/api/auth/signout", headers=bearer(token)).status_code == 204
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(other)).status_code == 200  # another session of the user
