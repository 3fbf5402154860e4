"""The API reference page (Swagger UI, vendored under static/, no CDN) and ``/`` pointing to it."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

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
