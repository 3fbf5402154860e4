"""The Socket.IO contract as data: every client event (payload and acknowledgement) and every
server event (payload), with the schemas REST uses wherever the shapes are the same.

``/api/asyncapi.json`` and ``/api/socket-events.d.ts`` are generated from this catalogue (see
``plataforma/api/asyncapi.py``); a test checks that it names every event the server handles or
emits, so it cannot fall behind the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields

from plataforma.schemas.base import OPTIONAL, CamelSchema
from plataforma.schemas.commerce import (
    AcceptedSchema,
    ProductFeaturedSchema,
    ReactionsBatchSchema,
    ReactionSchema,
    SessionProductsSchema,
)
from plataforma.schemas.integration import JoinSessionSchema
from plataforma.schemas.interaction import (
    MessageCreateSchema,
    MessageSchema,
    PollSchema,
    PollVoteSchema,
    QuestionSchema,
    QuestionViewSchema,
    SessionRefSchema,
    UpvoteSchema,
)
from plataforma.schemas.moderation import BannedSchema, SessionSettingsEventSchema

# ---------------------------------------------------------------- payloads only sockets carry


class RoomAckSchema(CamelSchema):
    """The acknowledgement of ``leave_session`` (and the start of ``join_session``'s)."""

    session_id = fields.UUID()
    viewer_count = fields.Integer()


class MissedEventSchema(CamelSchema):
    """A numbered room event replayed in the ``join_session`` ack (SPEC §16); ``data`` is the
    event's payload, as the server event of that name carries it."""

    event = fields.String()
    data = fields.Raw()
    seq = fields.Integer()


class JoinAckSchema(RoomAckSchema):
    """The acknowledgement of ``join_session``: the viewer count and the session's latest ``seq``;
    with ``afterSeq``, either ``missed`` (every event since, in order) or ``resync: true`` (too many,
    or no longer kept: reload over REST). ``resync`` is only sent when true."""

    seq = fields.Integer()
    missed = fields.List(fields.Nested(MissedEventSchema), metadata=OPTIONAL)
    resync = fields.Boolean(metadata=OPTIONAL)


class ViewerCountSchema(CamelSchema):
    session_id = fields.UUID()
    count = fields.Integer()


class MessagePinnedSchema(CamelSchema):
    message_id = fields.UUID()
    is_pinned = fields.Boolean()


class MessageDeletedSchema(CamelSchema):
    message_id = fields.UUID()


class StreamStatusSchema(CamelSchema):
    stream_id = fields.UUID()
    event_id = fields.UUID()
    status = fields.String()


class SessionUnavailableSchema(CamelSchema):
    session_id = fields.UUID()


class RoomPollSchema(PollSchema):
    """``poll_updated``: the Poll as the whole room sees it (without the caller's own vote)."""

    class Meta(CamelSchema.Meta):
        exclude = ("user_vote_option_id",)


class QuestionPendingSchema(CamelSchema):
    """``question_pending``: a question waiting for approval, as moderators see it."""

    session_id = fields.UUID()
    question = fields.Nested(QuestionSchema)


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class ClientEvent:
    """client → server: ``name`` with a payload and an ack callback, answered ``{ok: true, data}`` or an error."""

    payload: type[Schema]
    ack: type[Schema] | None
    summary: str
    ack_many: bool = False
    # On the guests' allow-list (SPEC §12)? Others answer a GUEST token's socket ``guest_not_allowed``.
    guests: bool = False


@dataclass(frozen=True)
class ServerEvent:
    """server → client: ``socket.on(name, (data, meta?) => …)``."""

    payload: type[Schema]
    summary: str
    many: bool = False
    to: str = "the session room"


CLIENT_EVENTS: dict[str, ClientEvent] = {
    "join_session": ClientEvent(
        JoinSessionSchema,
        JoinAckSchema,
        "Join the session's room; the ack has the viewer count and the latest `seq` (with `afterSeq`: "
        "the events missed since, or `resync`).",
        guests=True,
    ),
    "leave_session": ClientEvent(SessionRefSchema, RoomAckSchema, "Leave the session's room.", guests=True),
    "send_message": ClientEvent(MessageCreateSchema, MessageSchema, "Chat; the room gets `new_message`."),
    "upvote_question": ClientEvent(UpvoteSchema, QuestionViewSchema, "As PATCH /api/questions/:id/upvote."),
    "vote_poll": ClientEvent(PollVoteSchema, PollSchema, "As POST /api/polls/vote."),
    "send_reaction": ClientEvent(
        ReactionSchema, AcceptedSchema, "React (like, heart, fire, clap); no join needed.", guests=True
    ),
}

SERVER_EVENTS: dict[str, ServerEvent] = {
    "new_message": ServerEvent(MessageSchema, "A chat message was posted."),
    "message_pinned": ServerEvent(MessagePinnedSchema, "A message was pinned or unpinned."),
    "message_deleted": ServerEvent(MessageDeletedSchema, "A message was deleted."),
    "questions_updated": ServerEvent(QuestionSchema, "The session's visible questions, in order.", many=True),
    "poll_updated": ServerEvent(RoomPollSchema, "A poll was created, changed, voted in or closed."),
    "viewer_count": ServerEvent(ViewerCountSchema, "The number of distinct viewers changed."),
    "stream_status": ServerEvent(StreamStatusSchema, "A stream of the session's event changed status."),
    "products_updated": ServerEvent(SessionProductsSchema, "The session's products changed (attach, feature, order)."),
    "product_featured": ServerEvent(ProductFeaturedSchema, "A product became featured."),
    "reactions": ServerEvent(ReactionsBatchSchema, "Reactions since the last batch (at most 1/s per process)."),
    "session_unavailable": ServerEvent(
        SessionUnavailableSchema, "The session is no longer visible to this socket; it left the room.", to="one socket"
    ),
    "session_settings": ServerEvent(SessionSettingsEventSchema, "A moderator changed the session's settings."),
    "question_pending": ServerEvent(
        QuestionPendingSchema, "A question awaits approval (moderators only).", to="the session's moderators"
    ),
    "poll_results": ServerEvent(
        RoomPollSchema,
        "The counts of an AFTER_CLOSE poll still open, hidden from attendees (moderators only).",
        to="the session's moderators",
    ),
    "banned": ServerEvent(
        BannedSchema, "This user was banned from an event: its sockets left the event's rooms.", to="one socket"
    ),
}


def schemas() -> list[type[Schema]]:
    """Every schema the socket contract uses, payloads and acknowledgements."""
    found: list[type[Schema]] = []
    for event in CLIENT_EVENTS.values():
        found += [event.payload] + ([event.ack] if event.ack else [])
    found += [event.payload for event in SERVER_EVENTS.values()]
    return list(dict.fromkeys(found))


def output_schemas() -> list[type[Schema]]:
    """The schemas of what the server sends (events and acknowledgement data): all fields always present."""
    found = [e.ack for e in CLIENT_EVENTS.values() if e.ack] + [e.payload for e in SERVER_EVENTS.values()]
    return list(dict.fromkeys(found))
