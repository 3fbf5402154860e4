"""A Flask test client that checks every /api response against the served OpenAPI document.

Every test that calls the API through ``client`` thereby checks the contract the SPA's generated
TypeScript types rely on: the status is documented for that operation, and the JSON body validates
against the documented schema (``required`` fields present, ``nullable`` only where it says so, no
undeclared keys). A mismatch fails the test that made the request.
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator
from werkzeug.exceptions import HTTPException

_RULE_ARG = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_validators: dict[tuple[int, str], tuple[dict, dict]] = {}


def _document(app) -> dict:
    key = (id(app.url_map), "doc")
    if key not in _validators:
        from plataforma.api.openapi import api

        with app.app_context():
            _validators[key] = (api.document(), {})
    return _validators[key]


def check_response(app, method: str, path: str, response) -> None:
    if not path.startswith("/api/") or path == "/api/openapi.json":
        return
    try:
        rule, _args = app.url_map.bind("localhost").match(path, method=method, return_rule=True)
    except HTTPException:
        return  # 404 / 405 for a URL no route has: the error contract is tested elsewhere
    doc, cache = _document(app)
    spec_path = _RULE_ARG.sub(r"{\1}", rule.rule)
    if spec_path.endswith("/") and spec_path != "/":
        spec_path = spec_path.rstrip("/")
    operation = doc["paths"].get(spec_path, {}).get(method.lower())
    if operation is None:
        return  # a route registered by a test; tests/core checks that every real /api route is documented
    status = str(response.status_code)
    documented = operation["responses"].get(status)
    assert documented is not None, f"{method} {spec_path} answered {status}, which its OpenAPI entry does not list"
    if "$ref" in documented:
        documented = doc["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        assert not response.data, f"{method} {spec_path} {status}: documented without a body, but sent one"
        return
    validator = cache.get((spec_path, method, status))
    if validator is None:
        validator = OAS30Validator({**schema, "components": doc["components"]})
        cache[(spec_path, method, status)] = validator
    errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {spec_path} {status} does not match its OpenAPI schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:200]}" for e in errors[:5]
    )


class ContractCheckingClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if response.mimetype == "application/json" or response.status_code == 204:
            check_response(self.application, request.method, request.path, response)
        return response


# ---------------------------------------------------------------- Socket.IO


def _socket_validator(app, key: str, schema: dict):
    doc, cache = _document(app)
    validator = cache.get(("socket", key))
    if validator is None:
        validator = OAS30Validator({**schema, "components": doc["components"]})
        cache[("socket", key)] = validator
    return validator


def _check(validator, value, what: str) -> None:
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what} does not match the socket contract: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(payload)'}: {e.message[:200]}" for e in errors[:5]
    )


def check_server_event(app, name: str, args: list) -> None:
    """A server → client event: named in plataforma.schemas.socket, payload as declared there."""
    from plataforma.schemas import socket

    spec = socket.SERVER_EVENTS.get(name)
    assert spec is not None, f"the server sent {name!r}, which the socket contract (schemas/socket.py) does not name"
    names = app.extensions["plataforma.socket_schemas"]
    schema = {"$ref": f"#/components/schemas/{names[spec.payload]}"}
    if spec.many:
        schema = {"type": "array", "items": schema}
    _check(_socket_validator(app, f"event:{name}", schema), args[0] if args else None, f"event {name}")
    if len(args) > 1:  # numbered room events (SPEC §16): (data, meta), meta as EventMeta in /api/socket-events.d.ts
        from plataforma.services.events import NUMBERED_EVENTS

        assert name in NUMBERED_EVENTS, f"event {name} carries a second argument but is not numbered"
        meta = args[1]
        assert len(args) == 2 and isinstance(meta, dict) and set(meta) == {"sessionId", "seq"}, (name, args[1:])
        assert isinstance(meta["sessionId"], str) and isinstance(meta["seq"], int) and meta["seq"] >= 1, (name, meta)


def check_ack(app, event: str, ack) -> None:
    """A client event's acknowledgement: ``{ok: true, data}`` as declared, or ``{ok: false, error}``."""
    from plataforma.schemas import socket

    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), f"ack of {event}: {ack!r}"
    if not ack["ok"]:
        error = {"$ref": "#/components/schemas/ErrorDetail"}
        _check(_socket_validator(app, "ack:error", error), ack.get("error"), f"error ack of {event}")
        return
    spec = socket.CLIENT_EVENTS.get(event)
    assert spec is not None, f"{event!r} was acknowledged with ok, but the socket contract does not name it"
    names = app.extensions["plataforma.socket_schemas"]
    schema = {"$ref": f"#/components/schemas/{names[spec.ack]}"} if spec.ack else {"nullable": True}
    if spec.ack_many:
        schema = {"type": "array", "items": schema}
    _check(_socket_validator(app, f"ack:{event}", schema), ack.get("data"), f"ack of {event}")
