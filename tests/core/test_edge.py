"""Edge security: rate limits, CORS, security headers, HTTPS enforcement, health."""

import pytest


def test_auth_routes_are_rate_limited_per_ip_with_retry_after(make_app):
    client = make_app(AUTH_RATE_LIMIT="3 per minute").test_client()
    body = {"email": "nobody@example.com", "password": "wrong-password"}
    statuses = [client.post("/api/auth/signin", json=body).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    limited = client.post("/api/auth/signin", json=body)
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # Another client IP has its own budget.
    other = client.post("/api/auth/signin", json=body, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 401


def test_api_routes_are_rate_limited_per_user(make_app, make_user):
    app = make_app(API_RATE_LIMIT="2 per minute")
    from tests.conftest import UserFactory

    factory = UserFactory(app)
    alice, bob = factory(), factory()
    client = app.test_client()
    url = f"/api/profiles/{alice.id}"
    assert [client.get(url, headers=alice.headers).status_code for _ in range(3)] == [200, 200, 429]
    # Bob shares the IP but not the budget.
    assert client.get(url, headers=bob.headers).status_code == 200


def test_health_is_not_rate_limited(make_app):
    client = make_app(API_RATE_LIMIT="1 per minute", AUTH_RATE_LIMIT="1 per minute").test_client()
    assert all(client.get("/health").status_code == 200 for _ in range(5))


def test_cors_allows_the_configured_origin_only(make_app):
    client = make_app(CORS_ORIGINS=["https://app.example.com"]).test_client()
    preflight = client.options(
        "/api/auth/signin",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, Authorization",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    evil = client.options(
        "/api/auth/signin", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in evil.headers
    simple = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in simple.headers


def test_cors_lets_the_spa_read_rate_limit_headers(make_app):
    client = make_app(CORS_ORIGINS=["https://app.example.com"], API_RATE_LIMIT="1 per minute").test_client()
    headers = {"Origin": "https://app.example.com"}
    client.get("/api/events", headers=headers)
    limited = client.get("/api/events", headers=headers)
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    exposed = {h.strip().lower() for h in limited.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= exposed


@pytest.mark.parametrize("path", ["/health", "/api/openapi.json", "/api/nope"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Server"] == "plataforma"
    assert "Strict-Transport-Security" not in response.headers


def test_plain_http_is_served_unless_force_https(make_app):
    assert make_app().test_client().get("/health").status_code == 200
    forced = make_app(FORCE_HTTPS=True).test_client()
    redirect = forced.get("/health")
    assert redirect.status_code in (301, 302)
    assert redirect.headers["Location"].startswith("https://")
    secure = forced.get("/health", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_health_reports_database_and_redis(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "disabled"}
    assert client.get("/api/health").json == response.json


def test_openapi_document_is_public_and_describes_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert "/api/auth/signup" in spec["paths"]
    signup = spec["paths"]["/api/auth/signup"]["post"]
    assert signup["security"] == [{}]
    assert "201" in signup["responses"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_openapi_document_covers_every_api_route(app, client):
    """Every /api route of the app is in the document, summarised, with its success response."""
    import re

    spec = client.get("/api/openapi.json").json
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).rstrip("/") or "/"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            key = next(((p, m) for p, m in documented if p.rstrip("/") == path and m == method.lower()), None)
            assert key is not None, f"{method} {rule.rule} is not in the OpenAPI document"
            operation = spec["paths"][key[0]][key[1]]
            assert operation.get("summary"), f"{method} {rule.rule} has no summary"
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, f"{method} {rule.rule} documents no success response"
            if success[0] != "204" and key[1] != "delete":
                assert "content" in operation["responses"][success[0]], f"{method} {rule.rule} has no body schema"


def test_retry_after_only_on_429(client, attendee):
    response = client.get("/api/auth/me", headers=attendee.headers)
    assert response.status_code == 200
    assert "X-RateLimit-Limit" in response.headers
    assert "Retry-After" not in response.headers
