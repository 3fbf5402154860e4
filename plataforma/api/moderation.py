"""Moderation controls (SPEC §15): session settings, event bans, the audit log (moderator+)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import moderator_required
from plataforma.schemas.moderation import (
    AuditEntrySchema,
    AuditListArgs,
    BanCreateSchema,
    BanListArgs,
    BanSchema,
    SessionSettingsSchema,
    SessionSettingsUpdateSchema,
)
from plataforma.services import audit, bans, commit, moderation

blp = Blueprint("moderation", __name__, url_prefix="/api", description="Moderation: settings, bans, audit log")


@blp.route("/sessions/<session_id>/settings", methods=["PATCH"])
@moderator_required
@blp.arguments(SessionSettingsUpdateSchema)
@blp.response(200, SessionSettingsSchema)
def update_settings(changes, session_id):
    """Change a session's moderation settings (moderator+); emits `session_settings` when something changed."""
    session = moderation.update_settings(current_user, session_id, changes)
    commit()
    return session.settings


@blp.route("/events/<event_id>/bans", methods=["POST"])
@moderator_required
@blp.arguments(BanCreateSchema)
@blp.response(201, BanSchema)
@blp.alt_response(409, description="Moderators and admins cannot be banned (`cannot_ban_staff`)")
def ban_user(data, event_id):
    """Ban a user from the event for `durationSeconds` (null: until lifted; moderator+). Banning again
    replaces the ban. The user's sockets leave the event's rooms and receive `banned`."""
    ban = bans.ban_user(current_user, event_id, data["user_id"], data["duration_seconds"], data["reason"])
    commit()
    return ban


@blp.route("/events/<event_id>/bans", methods=["GET"])
@moderator_required
@blp.arguments(BanListArgs, location="query")
@blp.response(200, BanSchema(many=True))
def list_bans(args, event_id):
    """The bans in force in the event, newest first (moderator+)."""
    return bans.list_bans(current_user, event_id, limit=args["limit"], offset=args["offset"])


@blp.route("/events/<event_id>/bans/<user_id>", methods=["DELETE"])
@moderator_required
@blp.response(204)
def lift_ban(event_id, user_id):
    """Lift a user's ban (moderator+); 404 when there is none."""
    bans.lift_ban(current_user, event_id, user_id)
    commit()


@blp.route("/events/<event_id>/audit", methods=["GET"])
@moderator_required
@blp.arguments(AuditListArgs, location="query")
@blp.response(200, AuditEntrySchema(many=True))
def list_audit(args, event_id):
    """The event's audit log, newest first; `before` (an entry id) pages back (moderator+)."""
    return audit.list_entries(current_user, event_id, limit=args["limit"], before=args["before"])
