"""The API reference page (Swagger UI, vendored under static/, no CDN) and ``/`` pointing to it."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

from plataforma.api import asyncapi
from plataforma.api.openapi import api

# Named "api-docs-…": like flask-smorest's own "api-docs" blueprint, these pages are not API operations.
bp = Blueprint("api-docs-reference", __name__)


@bp.get("/")
def home():
    """The server's front door: the API reference."""
    return redirect(url_for("api-docs-reference.reference"))


@bp.get("/api/docs")
def reference():
    """Swagger UI over /api/openapi.json; its start-up code is a static file (the CSP allows no inline script)."""
    return render_template("api_docs.html")


@bp.get("/api/asyncapi.json")
def asyncapi_document():
    """The Socket.IO contract as an AsyncAPI 3 document (payloads are the OpenAPI document's schemas)."""
    names = current_app.extensions["plataforma.socket_schemas"]
    return jsonify(asyncapi.document(api.document(), names))


@bp.get("/api/socket-events.d.ts")
def socket_types():
    """``ServerToClientEvents`` / ``ClientToServerEvents`` for socket.io-client (imports the REST types ./api)."""
    body = asyncapi.typescript(current_app.extensions["plataforma.socket_schemas"])
    return current_app.response_class(body, mimetype="application/typescript")
