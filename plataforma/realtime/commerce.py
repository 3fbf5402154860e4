"""Socket events of live commerce (SPEC §10): ``send_reaction``."""

from __future__ import annotations

from plataforma.realtime.connections import Connection
from plataforma.realtime.guard import client_event
from plataforma.schemas.commerce import ReactionSchema
from plataforma.services import reactions

reaction_schema = ReactionSchema()


@client_event("send_reaction", reaction_schema)
def send_reaction(conn: Connection, actor, data) -> dict:
    """As POST /api/reactions (same rules, no join needed); nothing is stored or broadcast per reaction."""
    reactions.record_reaction(actor, data["session_id"], data["type"])
    return {"accepted": True}
