"""/api/sessions/:id/events: the session's numbered room events, for resume (SPEC §16)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required
from plataforma.schemas.integration import SessionEventListArgs, SessionEventSchema
from plataforma.services import resume

blp = Blueprint("session_events", __name__, url_prefix="/api/sessions", description="Session event log")


@blp.route("/<session_id>/events", methods=["GET"])
@login_required(guests=True)
@blp.arguments(SessionEventListArgs, location="query")
@blp.response(200, SessionEventSchema(many=True))
def list_session_events(args, session_id):
    """The room events numbered after ``after`` (oldest first), as the room was sent them."""
    return resume.list_events(current_user, session_id, after=args["after"], limit=args["limit"])
