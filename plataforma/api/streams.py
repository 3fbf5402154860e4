"""/api/streams: a stream, an event's streams and its live one; admins manage them; moderators start,
pause and end them; RTC tokens for Agora streams (SPEC §11)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required, moderator_required
from plataforma.schemas.content import (
    RtcTokenRequestSchema,
    RtcTokenSchema,
    StreamCreateSchema,
    StreamSchema,
    StreamUpdateSchema,
)
from plataforma.services import commit, rtc
from plataforma.services import streams as service

blp = Blueprint("streams", __name__, url_prefix="/api/streams", description="Video streams")


@blp.route("/event/<event_id>", methods=["GET"])
@login_required(guests=True)
@blp.response(200, StreamSchema(many=True))
def list_streams(event_id):
    """An event's streams in creation order."""
    return service.list_streams(current_user, event_id)


@blp.route("/event/<event_id>/active", methods=["GET"])
@login_required(guests=True)
@blp.response(200, StreamSchema)
def active_stream(event_id):
    """The event's LIVE stream (404 if none)."""
    return service.active_stream(current_user, event_id)


@blp.route("/<stream_id>", methods=["GET"])
@login_required(guests=True)
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
@blp.alt_response(409, description="`invalid_transition`: the status cannot change that way")
def update_stream(changes, stream_id):
    """Change a stream (admin); `status` obeys the lifecycle of start / pause / end and emits `stream_status`."""
    stream = service.update_stream(current_user, stream_id, changes)
    commit()
    return stream


def _action(stream_id, action: str):
    stream = service.change_status(current_user, stream_id, action)
    commit()
    return stream


@blp.route("/<stream_id>/start", methods=["POST"])
@moderator_required
@blp.response(200, StreamSchema)
@blp.alt_response(409, description="`invalid_transition`: only an IDLE or PAUSED stream starts")
def start_stream(stream_id):
    """Go LIVE from IDLE (the first start sets `startedAt`) or resume from PAUSED (moderator+)."""
    return _action(stream_id, "start")


@blp.route("/<stream_id>/pause", methods=["POST"])
@moderator_required
@blp.response(200, StreamSchema)
@blp.alt_response(409, description="`invalid_transition`: only a LIVE stream pauses")
def pause_stream(stream_id):
    """Pause a LIVE stream (moderator+)."""
    return _action(stream_id, "pause")


@blp.route("/<stream_id>/end", methods=["POST"])
@moderator_required
@blp.response(200, StreamSchema)
@blp.alt_response(409, description="`invalid_transition`: only a LIVE or PAUSED stream ends")
def end_stream(stream_id):
    """End a LIVE or PAUSED stream for good; sets `endedAt` (moderator+)."""
    return _action(stream_id, "end")


@blp.route("/<stream_id>/rtc-token", methods=["POST"])
@login_required(guests=True)
@blp.arguments(RtcTokenRequestSchema, required=False)
@blp.response(200, RtcTokenSchema)
@blp.alt_response(409, description="`not_rtc`: the stream is not an AGORA stream")
@blp.alt_response(503, description="`rtc_not_configured`: AGORA_APP_ID / AGORA_APP_CERTIFICATE missing")
def rtc_token(data, stream_id):
    """An Agora AccessToken2 for the stream's channel: `subscriber` (default; guests too) or `publisher` (staff)."""
    token = rtc.issue_token(current_user, stream_id, (data or {}).get("role", "subscriber"))
    return token, {"Cache-Control": "no-store"}  # a credential: no cache may keep it
