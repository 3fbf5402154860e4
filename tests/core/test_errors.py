"""The error contract: JSON everywhere under /api, no stack traces, rolled-back transactions."""

import pytest
from flask import Blueprint
from sqlalchemy import func, select


def assert_error(response, status, code=None):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    assert "Traceback" not in response.get_data(as_text=True)
    return error


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/api/does-not-exist"), 404, "not_found")
    assert_error(client.get("/nothing-here"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.put("/api/auth/signin", json={})
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ('"text"', "application/json")],
)
def test_malformed_or_non_object_json_is_400_with_fields(client, data, content_type):
    response = client.post("/api/auth/signin", data=data, content_type=content_type)
    error = assert_error(response, 400, "validation_error")
    assert error["fields"]


def test_missing_body_reports_the_missing_fields(client):
    error = assert_error(client.post("/api/auth/signin"), 400, "validation_error")
    assert set(error["fields"]) == {"email", "password"}


def test_wrong_types_and_unknown_fields_are_400(client):
    error = assert_error(client.post("/api/auth/signin", json={"email": ["x"], "password": 1, "admin": True}), 400)
    assert set(error["fields"]) == {"email", "password", "admin"}


def _app_with_failing_route(make_app):
    """An app whose extra route writes a row, then fails unexpectedly."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    from plataforma.extensions import db
    from plataforma.models import Project

    boom = Blueprint("boom", __name__)

    @boom.route("/api/boom", methods=["POST"])
    def explode():
        db.session.add(Project(name="half-done"))
        db.session.flush()
        raise RuntimeError("secret internals")

    app.register_blueprint(boom)
    return app


def test_unexpected_error_is_500_json_without_trace_and_rolls_back(make_app):
    app = _app_with_failing_route(make_app)
    response = app.test_client().post("/api/boom")
    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert error["message"] == "An unexpected error occurred."
    from plataforma.extensions import db
    from plataforma.models import Project

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_body_over_one_mebibyte_is_413(client):
    response = client.post("/api/auth/signin", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_database_down_is_503(make_app, tmp_path, backend):
    url = {
        "sqlite": f"sqlite:///{tmp_path}/missing-dir/nope.db",
        "postgresql": "postgresql://postgres@127.0.0.1:1/nothing",  # nothing listens on port 1
    }[backend]
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    client = app.test_client()
    health = client.get("/health")
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "database": "down", "redis": "disabled"}
    signin = client.post("/api/auth/signin", json={"email": "a@b.io", "password": "whatever1"})
    assert_error(signin, 503, "service_unavailable")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"email": "a@b.c", "password": "12345678"}', "text/plain"),
        ("email=a%40b.c&password=12345678", "application/x-www-form-urlencoded"),
        ('{"email": "a@b.c", "password": "12345678"}', None),
    ],
)
def test_a_body_that_is_not_json_is_415_saying_to_send_json(client, data, content_type):
    response = client.post("/api/auth/signin", data=data, content_type=content_type)
    error = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_json_with_a_charset_and_bodiless_posts_are_accepted(client):
    response = client.post(
        "/api/auth/signin",
        data='{"email": "nobody@example.com", "password": "12345678"}',
        content_type="application/json; charset=utf-8",
    )
    assert_error(response, 401, "invalid_credentials")
