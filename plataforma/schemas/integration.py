"""Schemas of SPEC §16: the event log (resume after reconnect) and webhooks."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from plataforma.schemas.base import MAX_OFFSET, CamelSchema, OptionalText, QueryArgs, Text, UTCDateTime
from plataforma.schemas.interaction import SessionRefSchema

# 2**53 - 1: the largest integer a JavaScript client holds exactly.
MAX_SEQ = 9007199254740991
WEBHOOK_EVENTS = (
    "stream.started",
    "stream.paused",
    "stream.ended",
    "message.created",
    "message.deleted",
    "question.created",
    "question.answered",
    "poll.opened",
    "poll.closed",
    "survey.response_created",
    "product.featured",
    "user.banned",
)


# ---------------------------------------------------------------- event log


class JoinSessionSchema(SessionRefSchema):
    """``join_session {sessionId, afterSeq?}``."""

    # Optional (no load_default: a default would make it required in generated clients); null = absent.
    after_seq = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=MAX_SEQ))


class SessionEventSchema(CamelSchema):
    event = fields.String()
    data = fields.Raw()
    seq = fields.Integer()
    created_at = UTCDateTime()


class SessionEventListArgs(QueryArgs):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_SEQ))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=200))


# ---------------------------------------------------------------- webhooks


class WebhookInputSchema(CamelSchema):
    url = Text(required=True, min_length=1, max_length=2000)
    events = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)),
        required=True,
        validate=validate.Length(min=1, max=len(WEBHOOK_EVENTS)),
    )
    description = OptionalText(max_length=500)

    @ma.post_load
    def dedupe_events(self, data, **kwargs):
        if "events" in data:
            data["events"] = list(dict.fromkeys(data["events"]))
        return data


class WebhookUpdateSchema(WebhookInputSchema):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class WebhookSchema(CamelSchema):
    id = fields.UUID()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class WebhookCreatedSchema(WebhookSchema):
    """The answer to the creation, the only one that carries the signing secret."""

    secret = fields.String()


class WebhookDeliverySchema(CamelSchema):
    id = fields.UUID()
    event = fields.String()
    status = fields.Function(lambda delivery: delivery.status.value)
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    delivered_at = UTCDateTime(allow_none=True)


class DeliveryListArgs(QueryArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))
