"""What the live console's Stream panel renders (SPEC §11, §15 dashboard): the event's streams with their
status, and which start / pause / end buttons each status shows (templates/moderator/_stream.html)."""

from __future__ import annotations

from plataforma.models import StreamStatus
from plataforma.services import streams

# (action, button label, button style): shown when the stream's status allows the action.
BUTTONS = (("start", "Start", "primary"), ("pause", "Pause", "secondary"), ("end", "End", "danger"))
STATUS_LABELS = {
    StreamStatus.IDLE: "Not started",
    StreamStatus.LIVE: "Live",
    StreamStatus.PAUSED: "Paused",
    StreamStatus.ENDED: "Ended",
}


def stream_context(actor, session) -> dict:
    """The session's event's streams, and for each action the statuses it may start from."""
    return {
        "streams": streams.list_streams(actor, session.event_id),
        "stream_buttons": [
            (action, label, style, sorted(s.value for s in streams.TRANSITIONS[streams.ACTIONS[action]]))
            for action, label, style in BUTTONS
        ],
        "stream_labels": {status.value: label for status, label in STATUS_LABELS.items()},
    }
