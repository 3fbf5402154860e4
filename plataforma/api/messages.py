"""/api/messages: session chat."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required, moderator_required
from plataforma.schemas.interaction import MessageCreateSchema, MessageListArgs, MessageSchema
from plataforma.services import chat, commit

blp = Blueprint("messages", __name__, url_prefix="/api/messages", description="Session chat")


@blp.route("/session/<session_id>", methods=["GET"])
@login_required(guests=True)
@blp.arguments(MessageListArgs, location="query")
@blp.response(200, MessageSchema(many=True))
def list_messages(args, session_id):
    """The newest `limit` messages before the `before` cursor, oldest first (moderators: `includeDeleted`)."""
    return chat.list_messages(
        current_user,
        session_id,
        limit=args["limit"],
        before=args["before"],
        include_deleted=args["include_deleted"],
    )


@blp.route("/", methods=["POST"], strict_slashes=False)
@login_required
@blp.arguments(MessageCreateSchema)
@blp.response(201, MessageSchema)
@blp.alt_response(429, description="Too many chat messages (`RATELIMIT_CHAT` per user per session)")
def post_message(data):
    """Send a chat message; emits `new_message`."""
    message = chat.post_message(current_user, data["session_id"], data["text"])
    commit()
    return message


@blp.route("/<message_id>/pin", methods=["PATCH"])
@moderator_required
@blp.response(200, MessageSchema)
@blp.alt_response(409, description="The message is deleted (`message_deleted`)")
def toggle_pin(message_id):
    """Pin or unpin a message (moderator+); emits `message_pinned`."""
    message = chat.toggle_pin(current_user, message_id)
    commit()
    return message


@blp.route("/<message_id>", methods=["DELETE"])
@moderator_required
@blp.response(204)
def delete_message(message_id):
    """Soft-delete a message (moderator+); emits `message_deleted`."""
    chat.delete_message(current_user, message_id)
    commit()
