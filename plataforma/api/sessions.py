"""/api/sessions: an event's sessions; admins manage them."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.content import EventSessionCreateSchema, EventSessionSchema, EventSessionUpdateSchema
from plataforma.services import commit
from plataforma.services import content as service

blp = Blueprint("sessions", __name__, url_prefix="/api/sessions", description="Event sessions")


@blp.route("/event/<event_id>", methods=["GET"])
@login_required(guests=True)
@blp.response(200, EventSessionSchema(many=True))
def list_sessions(event_id):
    """An event's sessions by start time, then creation."""
    return service.list_sessions(current_user, event_id)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(EventSessionCreateSchema)
@blp.response(201, EventSessionSchema)
def create_session(data):
    """Add a session to an event (admin)."""
    session = service.create_session(current_user, data)
    commit()
    return session


@blp.route("/<session_id>", methods=["PATCH"])
@admin_required
@blp.arguments(EventSessionUpdateSchema)
@blp.response(200, EventSessionSchema)
def update_session(changes, session_id):
    """Change a session (admin)."""
    session = service.update_session(current_user, session_id, changes)
    commit()
    return session


@blp.route("/<session_id>", methods=["DELETE"])
@admin_required
@blp.response(204)
def delete_session(session_id):
    """Delete a session with its chat, questions, polls and surveys (admin)."""
    service.delete_session(current_user, session_id)
    commit()
