"""`POST /api/reactions` (SPEC §10). Limited by ``RATELIMIT_REACTION`` per user (10 per second), not by
the general API budget, which a steady stream of reactions would exhaust in minutes."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required
from plataforma.schemas.commerce import AcceptedSchema, ReactionSchema
from plataforma.services import reactions

blp = Blueprint("reactions", __name__, url_prefix="/api/reactions", description="Reactions")


@blp.route("", methods=["POST"], strict_slashes=False)
@login_required(guests=True)
@blp.arguments(ReactionSchema)
@blp.response(202, AcceptedSchema)
@blp.alt_response(429, description="Over `RATELIMIT_REACTION` (`rate_limited`)")
def send_reaction(data):
    """React (`like`, `heart`, `fire`, `clap`); rooms get one aggregated `reactions` event per second."""
    reactions.record_reaction(current_user, data["session_id"], data["type"])
    return {"accepted": True}
