"""The served OpenAPI document, finished so that it generates a strict TypeScript client.

flask-smorest builds the document from the routes' schemas; this step adds what it leaves out
and what code generators rely on (``openapi-typescript`` + ``tsc --strict`` is checked in CI):

* a stable ``operationId`` per operation, from the Flask endpoint (``messages.pin_message`` →
  ``messagesPinMessage``);
* paths without a trailing slash (the routes answer both forms);
* ``servers``;
* the ``Error`` body on every error status, and the statuses every operation can answer: 400
  (a body or query), 401 / 403 / 429 (signed-in routes), 404 (a path id), 413 (a body) and 503
  (database down);
* ``required`` on response schemas: every field of a response is always present (``null`` when it
  has no value, and then the schema says ``nullable``), except a field declared with
  ``metadata=OPTIONAL`` (:data:`plataforma.schemas.base.OPTIONAL`), which only some responses
  carry (e.g. ``missed`` / ``resync`` in the ``join_session`` ack): it is left out of ``required``. Request
  schemas keep their own ``required`` lists; a schema used both ways would have to say two
  things, so there are none (a test checks it).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

from flask import current_app
from flask_smorest import Api

from plataforma.errors import http_error_response
from plataforma.schemas import socket
from plataforma.schemas.base import ErrorSchema

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_DESCRIPTIONS = {
    "400": "Invalid request (`validation_error`, `fields` says which)",
    "401": "Missing, invalid, expired or revoked token",
    "403": "Signed in, but not allowed",
    "404": "Not found, or not visible to the caller",
    "409": "Conflict with the current state",
    "413": "Request body larger than 1 MiB",
    "415": "The body is not JSON",
    "429": "Rate limited; `Retry-After` says when to retry",
    "503": "A backing service (the database) is unavailable",
}
_METHODS = ("get", "put", "post", "patch", "delete")
# A response field that is not always present is declared ``fields.X(metadata=OPTIONAL)``
# (schemas/base.py). The converter marks its property with ``x-optional`` (:func:`_optional_marker`);
# :func:`_require_response_fields` leaves it out of ``required`` and removes the marker.
_OPTIONAL_KEY = "x-optional"
_RULE_ARG = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def _camel(endpoint: str) -> str:
    words = [w for w in re.split(r"[._]", endpoint) if w]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _endpoints() -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) -> Flask endpoint, for every rule of the app."""
    found = {}
    for rule in current_app.url_map.iter_rules():
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        for method in rule.methods or ():
            found[(path, method.lower())] = rule.endpoint
    return found


def _operations(doc: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                yield path, method, item[method]


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(names: set[str], schemas: dict) -> set[str]:
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        nested: set[str] = set()
        _refs(schemas[name], nested)
        todo.extend(nested - seen)
    return seen


def schema_usage(doc: dict) -> tuple[set[str], set[str]]:
    """(schemas reachable from success responses, schemas reachable from requests)."""
    schemas = doc.get("components", {}).get("schemas", {})
    responses, requests = set(), set()
    for _path, _method, op in _operations(doc):
        for status, response in op.get("responses", {}).items():
            if status.startswith("2"):
                _refs(response, responses)
        _refs(op.get("requestBody", {}), requests)
        _refs(op.get("parameters", []), requests)
    for item in doc.get("paths", {}).values():
        _refs(item.get("parameters", []), requests)
    return _closure(responses, schemas), _closure(requests, schemas)


def _add_operation_ids(doc: dict) -> None:
    endpoints = _endpoints()
    for path, method, op in _operations(doc):
        endpoint = endpoints.get((path, method))
        if endpoint and "operationId" not in op:
            op["operationId"] = _camel(endpoint)


def _strip_trailing_slashes(doc: dict) -> None:
    paths = doc.get("paths", {})
    for path in [p for p in paths if p.endswith("/") and p != "/"]:
        item = paths.pop(path)
        paths.setdefault(path.rstrip("/"), {}).update(item)


def _error_responses(doc: dict) -> None:
    path_items = doc.get("paths", {})
    for path, _method, op in _operations(doc):
        responses = op.setdefault("responses", {})
        params = op.get("parameters", []) + path_items[path].get("parameters", [])
        statuses = {"503"}
        if op.get("security") != [{}]:
            # 404 too: a DRAFT project hides everything in it, and bodies name other resources.
            statuses |= {"401", "403", "404", "429"}
        if path.startswith("/api/auth/"):
            statuses.add("429")  # the per-IP auth limit
        if any(p.get("in") == "path" for p in params):
            statuses.add("404")
        if "requestBody" in op:
            statuses |= {"400", "413", "415"}
        if any(p.get("in") == "query" for p in params):
            statuses.add("400")
        for status in statuses:
            responses.setdefault(status, {"description": ERROR_DESCRIPTIONS[status]})
        for status, response in responses.items():
            if status[0] in "45" and "$ref" not in response:
                response.setdefault("content", {"application/json": {"schema": ERROR_REF}})


def _optional_marker(self, field, **kwargs) -> dict:
    """apispec attribute function: ``x-optional`` on the property of a field declared ``OPTIONAL``."""
    return {_OPTIONAL_KEY: True} if field.metadata.get("optional") else {}


def _require_response_fields(doc: dict) -> None:
    schemas = doc.get("components", {}).get("schemas", {})
    responses, requests = schema_usage(doc)
    names = current_app.extensions.get("plataforma.socket_schemas", {})
    responses |= _closure({names[cls] for cls in socket.output_schemas() if cls in names}, schemas)
    for name in responses - requests:
        schema = schemas[name]
        if schema.get("type") == "object" and schema.get("properties"):
            properties = schema["properties"]
            required = [key for key, prop in properties.items() if not prop.get(_OPTIONAL_KEY)]
            if required:
                schema["required"] = required
    for schema in schemas.values():
        for prop in (schema.get("properties") or {}).values():
            if isinstance(prop, dict):
                prop.pop(_OPTIONAL_KEY, None)


def finish(doc: dict) -> dict:
    """Complete flask-smorest's document in place (see the module docstring) and return it."""
    _add_operation_ids(doc)
    _strip_trailing_slashes(doc)
    doc["servers"] = [{"url": "/", "description": "This server"}]
    _error_responses(doc)
    _require_response_fields(doc)
    return doc


class PlataformaApi(Api):
    """flask-smorest Api whose HTTP errors follow the contract's JSON shape."""

    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(_optional_marker)

    def document(self) -> dict:
        """The OpenAPI document as served: flask-smorest's, completed by :func:`finish`."""
        return finish(copy.deepcopy(self.spec.to_dict()))  # apispec hands out its live state

    def _openapi_json(self):
        body = current_app.json.dumps(self.document(), indent=2)  # Flask's encoder: bounds may be Decimals
        return current_app.response_class(body, mimetype="application/json")

    def handle_http_exception(self, error):
        return http_error_response(error)


api = PlataformaApi()
