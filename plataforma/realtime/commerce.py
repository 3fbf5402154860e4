"""Socket events of live commerce (SPEC §10): ``send_reaction``."""

from __future__ import annotations

from plataforma.realtime.connections import Connection
from plataforma.realtime.guard import client_event
from plataforma.schemas.commerce import ReactionSchema
from plataforma.services import reactions

reaction_schema = ReactionSchema()

# A reaction needs no database work of its own: the socket's user comes from the connection's actor
# cache (guard.current_actor: re-read only when a revocation or role change commits anywhere), and
# the session's visibility is cached by the reactions service.


@client_event("send_reaction", reaction_schema)
def send_reaction(conn: Connection, actor, data) -> dict:
    """As POST /api/reactions (same rules, no join needed); nothing is stored or broadcast per reaction."""
    reactions.record_reaction(actor, data["session_id"], data["type"])
    return {"accepted": True}
