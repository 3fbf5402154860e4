"""Issue #11: tokens that never expire, private responses in caches, per-deployment rate-limit keys."""

from __future__ import annotations

import time

import jwt as pyjwt
import pytest


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _token_without_exp(app, user) -> str:
    """A token signed with the server's key (so only an insider could mint it) that never expires."""
    claims = {"sub": user.id, "aud": "authenticated", "type": "access", "jti": "no-exp-1", "iat": int(time.time())}
    return pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")


def test_a_token_without_exp_is_refused_and_signing_out_with_it_is_no_500(app, client, attendee):
    token = _token_without_exp(app, attendee)
    me = client.get("/api/auth/me", headers=_bearer(token))
    assert me.status_code == 401
    assert me.json["error"]["code"] == "invalid_token"
    signout = client.post("/api/auth/signout", headers=_bearer(token))
    assert signout.status_code == 401
    # A refresh token without exp is refused too.
    claims = {"sub": attendee.id, "aud": "authenticated", "type": "refresh", "jti": "no-exp-2"}
    refresh = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert client.post("/api/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    assert client.get("/api/auth/me", headers=attendee.headers).status_code == 200


def test_a_socket_with_a_token_without_exp_is_refused(app, attendee):
    from plataforma.extensions import socketio
    from tests.realtime.conftest import RecordingClient

    client = RecordingClient(app, socketio, auth={"token": _token_without_exp(app, attendee)})
    assert not client.is_connected()
    assert client.connect_errors[0]["data"]["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/auth/signup", {"email": "cache@example.com", "password": "correct-horse", "name": "C"}),
        ("post", "/api/auth/signin", {"email": "nobody@example.com", "password": "wrong-password"}),
        ("post", "/api/auth/refresh", {"refresh_token": "x"}),
        ("post", "/api/auth/signout", None),
        ("get", "/api/auth/me", None),
        ("post", "/api/auth/guest", {"eventId": "00000000-0000-4000-8000-000000000000"}),
        ("get", "/api/profiles/{id}", None),
        ("patch", "/api/profiles/{id}", {"name": "Renamed"}),
    ],
)
def test_responses_with_tokens_or_private_data_are_not_cached(client, attendee, method, path, body):
    response = getattr(client, method)(path.format(id=attendee.id), json=body, headers=attendee.headers)
    assert response.headers.get("Cache-Control") == "no-store"


def test_every_auth_route_is_covered_by_the_no_store_test(app):
    covered = {
        "/api/auth/signup",
        "/api/auth/signin",
        "/api/auth/refresh",
        "/api/auth/signout",
        "/api/auth/me",
        "/api/auth/guest",
    }
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/auth/")}
    assert routes == covered


def test_auth_errors_are_not_cached_either(client):
    response = client.get("/api/auth/me")  # 401: no token
    assert response.status_code == 401
    assert response.headers.get("Cache-Control") == "no-store"


def test_public_responses_keep_their_caching(client):
    assert "no-store" not in (client.get("/health").headers.get("Cache-Control") or "")


def test_rate_limit_keys_are_prefixed_by_the_deployment_channel(make_app):
    one = make_app(SOCKETIO_CHANNEL="deployment-one")
    two = make_app(SOCKETIO_CHANNEL="deployment-two")
    assert one.config["RATELIMIT_KEY_PREFIX"] == "deployment-one:limits"
    assert two.config["RATELIMIT_KEY_PREFIX"] == "deployment-two:limits"
    # An explicit prefix still wins.
    assert make_app(RATELIMIT_KEY_PREFIX="mine").config["RATELIMIT_KEY_PREFIX"] == "mine"
