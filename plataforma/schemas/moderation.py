"""Moderation controls (SPEC §15): session settings, bans, the audit log, and the socket payloads
only moderation sends."""

from __future__ import annotations

from marshmallow import fields, validate

from plataforma.limits import BAN_DURATION_MAX, BAN_REASON_MAX, BLOCKED_TERM_MAX, BLOCKED_TERMS_MAX, SLOW_MODE_MAX
from plataforma.schemas.base import CamelSchema, OptionalText, QueryArgs, StrictBoolean, Text, UTCDateTime


class BlockedTerms(fields.List):
    """Up to 200 terms of 1..50 characters (cleaned; inner runs of spaces become one); duplicates
    (compared case-insensitively) dropped, the first kept."""

    default_error_messages = {"too_many": f"At most {BLOCKED_TERMS_MAX} terms."}

    def __init__(self, **kwargs):
        super().__init__(Text(min_length=1, max_length=BLOCKED_TERM_MAX), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        terms = [" ".join(term.split()) for term in super()._deserialize(value, attr, data, **kwargs)]
        unique = list({term.casefold(): term for term in reversed(terms)}.values())[::-1]
        if len(unique) > BLOCKED_TERMS_MAX:
            raise self.make_error("too_many")
        return unique


class SessionSettingsSchema(CamelSchema):
    """The Session's ``settings`` (output)."""

    chat_enabled = fields.Boolean()
    slow_mode_seconds = fields.Integer()
    questions_enabled = fields.Boolean()
    question_moderation = fields.Boolean()
    anonymous_questions = fields.Boolean()
    blocked_terms = fields.List(fields.String())


class SessionSettingsUpdateSchema(CamelSchema):
    """``PATCH /api/sessions/:id/settings``: the settings that change (all optional)."""

    chat_enabled = StrictBoolean()
    slow_mode_seconds = fields.Integer(strict=True, validate=validate.Range(min=0, max=SLOW_MODE_MAX))
    questions_enabled = StrictBoolean()
    question_moderation = StrictBoolean()
    anonymous_questions = StrictBoolean()
    blocked_terms = BlockedTerms()


class SessionSettingsEventSchema(CamelSchema):
    """``session_settings``: ``{sessionId, settings}``."""

    session_id = fields.UUID()
    settings = fields.Nested(SessionSettingsSchema)


# ---------------------------------------------------------------- bans


class BanSchema(CamelSchema):
    user_id = fields.UUID()
    event_id = fields.UUID()
    until = UTCDateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_by = fields.UUID(allow_none=True)
    created_at = UTCDateTime()


class BanCreateSchema(CamelSchema):
    user_id = fields.UUID(required=True)
    # null or absent: until lifted.
    duration_seconds = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=BAN_DURATION_MAX)
    )
    reason = OptionalText(max_length=BAN_REASON_MAX, load_default=None)


class BannedSchema(CamelSchema):
    """``banned``: sent to each socket of a user banned from an event."""

    event_id = fields.UUID()
    until = UTCDateTime(allow_none=True)
    reason = fields.String(allow_none=True)


# ---------------------------------------------------------------- audit log


class AuditEntrySchema(CamelSchema):
    id = fields.UUID()
    event_id = fields.UUID()
    session_id = fields.UUID(allow_none=True)
    actor_id = fields.UUID(allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String(allow_none=True)
    details = fields.Dict(keys=fields.String())
    created_at = UTCDateTime()


class AuditListArgs(QueryArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.UUID(load_default=None)  # the id of the last entry of the previous page


class BanListArgs(QueryArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
