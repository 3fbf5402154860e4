"""Dashboard actions of the Stream panel: start, pause, end (SPEC §11).

Each button is a form POST (CSRF-checked by the blueprint) that calls the same service as
``POST /api/streams/:id/<action>``, commits (which emits ``stream_status`` to every session room of the
event) and redirects back; static/moderator-stream.js posts the same forms with
``Accept: application/json`` and follows ``stream_status`` for changes made elsewhere.
"""

from __future__ import annotations

from plataforma.errors import NotFound
from plataforma.moderator import bp
from plataforma.moderator.actions import Outcome, _run
from plataforma.schemas.content import StreamSchema
from plataforma.services import streams

ANCHOR = "stream"
NOTICES = {"start": "The stream is live.", "pause": "The stream is paused.", "end": "The stream has ended."}
stream_schema = StreamSchema()


@bp.post("/sessions/<session_id>/streams/<stream_id>/<action>")
def stream_action(session_id, stream_id, action):
    """Start, pause or end one of the event's streams."""
    if action not in streams.ACTIONS:
        raise NotFound("No such stream action.")

    def act(actor, session) -> Outcome:
        stream = streams.get_stream(actor, stream_id)
        if stream.event_id != session.event_id:  # another event's stream is not on this page
            raise NotFound("Stream not found.")
        stream = streams.change_status(actor, stream.id, action)
        return NOTICES[action], lambda: {"stream": stream_schema.dump(stream)}

    return _run(session_id, act, ANCHOR)
