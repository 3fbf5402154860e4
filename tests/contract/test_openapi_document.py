"""The OpenAPI document is complete enough for code generators (see plataforma/api/openapi.py)."""

from __future__ import annotations

import pytest

from plataforma.api.openapi import schema_usage

METHODS = ("get", "put", "post", "patch", "delete")
ERROR = {"$ref": "#/components/schemas/Error"}
# Response schemas with fields only some responses carry: left out of `required`.
OPTIONAL_FIELDS = {
    "JoinAck": {"missed", "resync"},
    "Profile": {"email"},  # the private view only
    "MeUser": {"email", "role"},  # email: accounts; role "GUEST": guests
}


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_has_a_unique_stable_operation_id(doc):
    ids = [op.get("operationId") for _p, _m, op in _operations(doc)]
    assert None not in ids and len(ids) == len(set(ids))
    assert ("/api/messages", "post", "messagesPostMessage") in {
        (p, m, op["operationId"]) for p, m, op in _operations(doc)
    }


def test_no_path_ends_with_a_slash_and_both_forms_answer(doc, client, attendee):
    assert [p for p in doc["paths"] if p.endswith("/")] == []
    assert doc["servers"] == [{"url": "/", "description": "This server"}]
    for path in ("/api/messages", "/api/messages/"):  # the old form keeps working
        assert client.post(path, json={}, headers=attendee.headers).status_code == 400


def test_every_error_status_carries_the_error_body(doc):
    for path, method, op in _operations(doc):
        for status, response in op["responses"].items():
            if status[0] in "45":
                body = response.get("content", {}).get("application/json", {}).get("schema")
                ref = response.get("$ref")
                expected = {"$ref": "#/components/schemas/Health"} if path in ("/health", "/api/health") else ERROR
                assert body == expected or ref, (path, method, status)
        if op.get("security") != [{}]:
            assert {"401", "403", "429"} <= set(op["responses"]), (path, method)
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(op["responses"]), (path, method)


def test_response_schemas_list_their_fields_as_required_and_no_schema_serves_both_ways(doc):
    responses, requests = schema_usage(doc)
    assert responses & requests == set()  # a schema used both ways could not tell the truth about `required`
    schemas = doc["components"]["schemas"]
    for name in responses:
        schema = schemas[name]
        if schema.get("properties") and name not in OPTIONAL_FIELDS:
            assert schema.get("required") == list(schema["properties"]), name
    for name, optional in OPTIONAL_FIELDS.items():  # fields declared metadata=OPTIONAL (schemas/base.py)
        properties = schemas[name]["properties"]
        assert schemas[name]["required"] == [key for key in properties if key not in optional], name
        assert not any("x-optional" in prop for prop in properties.values())  # the marker is not served
    assert "nullable" in schemas["Stream"]["properties"]["startedAt"]  # null until the first start
