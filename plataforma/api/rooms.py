"""/api/rooms: an event's rooms; admins manage them."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.content import RoomCreateSchema, RoomSchema, RoomUpdateSchema
from plataforma.services import commit
from plataforma.services import content as service

blp = Blueprint("rooms", __name__, url_prefix="/api/rooms", description="Event rooms")


@blp.route("/event/<event_id>", methods=["GET"])
@login_required(guests=True)
@blp.response(200, RoomSchema(many=True))
def list_rooms(event_id):
    """An event's rooms, main stage first."""
    return service.list_rooms(current_user, event_id)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(RoomCreateSchema)
@blp.response(201, RoomSchema)
def create_room(data):
    """Add a room to an event (admin)."""
    room = service.create_room(current_user, data)
    commit()
    return room


@blp.route("/<room_id>", methods=["PATCH"])
@admin_required
@blp.arguments(RoomUpdateSchema)
@blp.response(200, RoomSchema)
def update_room(changes, room_id):
    """Change a room (admin)."""
    room = service.update_room(current_user, room_id, changes)
    commit()
    return room


@blp.route("/<room_id>", methods=["DELETE"])
@admin_required
@blp.response(204)
def delete_room(room_id):
    """Delete a room (admin)."""
    service.delete_room(current_user, room_id)
    commit()
