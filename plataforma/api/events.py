"""/api/events: browse visible events, the live one, one by id or slug; admins manage them."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.content import EventCreateSchema, EventListArgs, EventSchema, EventUpdateSchema
from plataforma.services import commit
from plataforma.services import content as service

blp = Blueprint("events", __name__, url_prefix="/api/events", description="Events")


@blp.route("", methods=["GET"], strict_slashes=False)
@login_required(guests=True)
@blp.arguments(EventListArgs, location="query")
@blp.response(200, EventSchema(many=True))
def list_events(args):
    """Visible events, newest start first; filter by status and project."""
    return service.list_events(current_user, **args)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(EventCreateSchema)
@blp.response(201, EventSchema)
@blp.alt_response(409, description="The slug is taken")
def create_event(data):
    """Create an event; the slug is derived from the title when absent (admin)."""
    event = service.create_event(current_user, data)
    commit()
    return event


# Registered before /<event_id> so "live" is never read as a slug.
@blp.route("/live", methods=["GET"])
@login_required(guests=True)
@blp.response(200, EventSchema)
def live_event():
    """The most recently started LIVE event (404 if none)."""
    return service.live_event(current_user)


@blp.route("/<event_id>", methods=["GET"])
@login_required(guests=True)
@blp.response(200, EventSchema)
def get_event(event_id):
    """An event by id or by slug (the path segment may be either)."""
    return service.get_event(current_user, event_id)


@blp.route("/<event_id>", methods=["PATCH"])
@admin_required
@blp.arguments(EventUpdateSchema)
@blp.response(200, EventSchema)
@blp.alt_response(409, description="The slug is taken")
def update_event(changes, event_id):
    """Change an event; `slug: null` derives a new one from the title (admin)."""
    event = service.update_event(current_user, event_id, changes)
    commit()
    return event


@blp.route("/<event_id>", methods=["DELETE"])
@admin_required
@blp.response(204)
def delete_event(event_id):
    """Delete an event with its sessions, streams and rooms (admin)."""
    service.delete_event(current_user, event_id)
    commit()
