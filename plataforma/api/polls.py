"""/api/polls: session polls."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required, moderator_required
from plataforma.schemas.interaction import (
    PollActivateSchema,
    PollCreateSchema,
    PollSchema,
    PollVoteSchema,
    SessionListArgs,
)
from plataforma.services import commit, polls

blp = Blueprint("polls", __name__, url_prefix="/api/polls", description="Session polls")


@blp.route("/session/<session_id>", methods=["GET"])
@login_required(guests=True)
@blp.arguments(SessionListArgs, location="query")
@blp.response(200, PollSchema(many=True))
def list_polls(args, session_id):
    """The session's polls, newest first (`limit`, `offset`), with results and your vote (attendees: counts
    null while an `AFTER_CLOSE` poll is open)."""
    page = polls.list_polls(current_user, session_id, limit=args["limit"], offset=args["offset"])
    return polls.poll_views(page, current_user.id, staff=current_user.is_moderator)


@blp.route("/session/<session_id>/active", methods=["GET"])
@login_required(guests=True)
@blp.response(200, PollSchema)
@blp.alt_response(404, description="The session has no active poll (`no_active_poll`)")
def active_poll(session_id):
    """The session's active poll (404 if none)."""
    poll = polls.get_active_poll(current_user, session_id)
    return polls.poll_view(poll, current_user.id, staff=current_user.is_moderator)


@blp.route("/", methods=["POST"], strict_slashes=False)
@moderator_required
@blp.arguments(PollCreateSchema)
@blp.response(201, PollSchema)
def create_poll(data):
    """Create a poll (moderator+), inactive unless `isActive: true`; `resultsVisibility` LIVE (default) or
    AFTER_CLOSE (attendees see no counts while it is open); emits `poll_updated`."""
    poll = polls.create_poll(
        current_user,
        data["session_id"],
        data["question"],
        data["options"],
        data["is_active"],
        data["results_visibility"],
    )
    commit()
    return polls.poll_view(poll, current_user.id, staff=True)


@blp.route("/vote", methods=["POST"])
@login_required
@blp.arguments(PollVoteSchema)
@blp.response(201, PollSchema)
@blp.alt_response(400, description="The option belongs to another poll (`invalid_option`)")
@blp.alt_response(403, description="The caller is banned from the event (`banned`)")
@blp.alt_response(409, description="Already voted (`already_voted`) or the poll is closed (`poll_inactive`)")
def vote(data):
    """Vote once in an active poll; emits `poll_updated`."""
    poll = polls.vote_in_poll(current_user, data["poll_id"], data["option_id"])
    commit()
    return polls.poll_view(poll, current_user.id, staff=current_user.is_moderator)


@blp.route("/<poll_id>/activate", methods=["PATCH"])
@moderator_required
@blp.arguments(PollActivateSchema, required=False)
@blp.response(200, PollSchema)
def activate(data, poll_id):
    """Open or close a poll (`isActive`; absent: toggle; moderator+). Opening one closes the others."""
    poll = polls.set_poll_active(current_user, poll_id, (data or {}).get("is_active"))
    commit()
    return polls.poll_view(poll, current_user.id, staff=True)
