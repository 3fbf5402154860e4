"""CSV exports (SPEC §13): a session's messages, questions, polls, surveys and viewers; an event's attendance."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import moderator_required
from plataforma.responses import csv_response
from plataforma.services import exports as service

blp = Blueprint("exports", __name__, url_prefix="/api", description="CSV exports (moderator+)")

CSV_DOC = {"type": "string", "format": "binary"}


@blp.route("/sessions/<session_id>/export/<kind>.csv", methods=["GET"])
@moderator_required
@blp.response(200, CSV_DOC, content_type="text/csv", description="RFC 4180 CSV with a header row")
def session_export(session_id, kind):
    """Download a session's `messages`, `questions`, `polls`, `surveys` or `viewers` as CSV (streamed)."""
    return csv_response(*service.session_export(current_user, session_id, kind))


@blp.route("/events/<event_id>/export/<kind>.csv", methods=["GET"])
@moderator_required
@blp.response(200, CSV_DOC, content_type="text/csv", description="RFC 4180 CSV with a header row")
def event_export(event_id, kind):
    """Download an event's `attendance` (watch time and engagement score per attendee) as CSV (streamed)."""
    return csv_response(*service.event_export(current_user, event_id, kind))
