"""/api/streams: a stream, an event's streams and its live one; admins manage them."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.content import StreamCreateSchema, StreamSchema, StreamUpdateSchema
from plataforma.services import commit
from plataforma.services import streams as service

blp = Blueprint("streams", __name__, url_prefix="/api/streams", description="Video streams")


@blp.route("/event/<event_id>", methods=["GET"])
@login_required
@blp.response(200, StreamSchema(many=True))
def list_streams(event_id):
    """An event's streams in creation order."""
    return service.list_streams(current_user, event_id)


@blp.route("/event/<event_id>/active", methods=["GET"])
@login_required
@blp.response(200, StreamSchema)
def active_stream(event_id):
    """The event's LIVE stream (404 if none)."""
    return service.active_stream(current_user, event_id)


@blp.route("/<stream_id>", methods=["GET"])
@login_required
@blp.response(200, StreamSchema)
def get_stream(stream_id):
    """A stream."""
    return service.get_stream(current_user, stream_id)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(StreamCreateSchema)
@blp.response(201, StreamSchema)
def create_stream(data):
    """Add a stream to an event (admin)."""
    stream = service.create_stream(current_user, data)
    commit()
    return stream


@blp.route("/<stream_id>", methods=["PATCH"])
@admin_required
@blp.arguments(StreamUpdateSchema)
@blp.response(200, StreamSchema)
def update_stream(changes, stream_id):
    """Change a stream; a status change emits `stream_status` to the event's session rooms (admin)."""
    stream = service.update_stream(current_user, stream_id, changes)
    commit()
    return stream
