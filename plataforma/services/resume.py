"""Resume after reconnect, as a client asks for it over REST (SPEC §16).

Kept apart from :mod:`plataforma.services.event_log`, which the events module imports: the log
itself needs no visibility rules, reading it does.
"""

from __future__ import annotations

from plataforma.models import SessionEvent
from plataforma.services.event_log import events_after
from plataforma.services.visibility import visible_session


def list_events(actor, session_id, *, after: int = 0, limit: int = 200) -> list[SessionEvent]:
    """``GET /api/sessions/:id/events``: the kept events after ``after``, oldest first, for anyone
    who may see the session (the room's own rule). A first ``seq`` above ``after + 1`` means the
    ones in between are no longer kept."""
    session = visible_session(actor, session_id)
    return events_after(session.id, after, limit)
