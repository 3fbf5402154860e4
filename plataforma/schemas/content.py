"""Projects, events, sessions, streams and rooms (SPEC §6): what goes over the wire.

Each resource has one output schema, a create schema (required fields enforced)
and an update schema (the same fields, all optional: PATCH sends what changes).
Server-managed fields (ids, timestamps, stream start/end) are dump-only, so a
client sending them gets a 400 like any other unknown field.
"""

from __future__ import annotations

from marshmallow import fields, validate

from plataforma.models import EventStatus, ProjectStatus, StreamSource, StreamStatus
from plataforma.schemas.base import (
    CamelSchema,
    Enum,
    OptionalText,
    PaginationArgs,
    StrictBoolean,
    Text,
    UTCDateTime,
)
from plataforma.schemas.moderation import SessionSettingsSchema

SLUG_MAX = 200
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

_http_url = validate.URL(relative=False, schemes={"http", "https"})


def _url(max_length: int = 500) -> OptionalText:
    return OptionalText(max_length=max_length, validate=[_http_url])


class _Partial:
    """Mixin for PATCH bodies: every field optional (OpenAPI shows none as required)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


# Projects


class ProjectSchema(CamelSchema):
    id = fields.UUID(dump_only=True)
    name = Text(required=True, min_length=1, max_length=200)
    description = OptionalText(max_length=5000, multiline=True)
    status = Enum(ProjectStatus)
    is_on_demand = StrictBoolean()
    youtube_video_id = OptionalText(max_length=64, validate=[validate.Regexp(r"^[A-Za-z0-9_-]+$")])
    thumbnail = _url()
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ProjectCreateSchema(ProjectSchema):
    pass


class ProjectUpdateSchema(_Partial, ProjectSchema):
    pass


class ProjectListArgs(PaginationArgs):
    status = Enum(ProjectStatus)


# Events


TAGS_MAX = 10


class Tags(fields.List):
    """Up to 10 tags of 1..30 characters, lower-cased; duplicates (after lower-casing) dropped, first kept."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_none", True)
        super().__init__(Text(min_length=1, max_length=30), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value or [])

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return []
        tags = super()._deserialize(value, attr, data, **kwargs)
        unique = list(dict.fromkeys(tag.lower() for tag in tags))
        if len(unique) > TAGS_MAX:
            raise self.make_error("too_many")
        return unique

    default_error_messages = {"too_many": f"At most {TAGS_MAX} tags."}


class EventSchema(CamelSchema):
    id = fields.UUID(dump_only=True)
    project_id = fields.UUID(required=True)
    title = Text(required=True, min_length=1, max_length=200)
    description = OptionalText(max_length=5000, multiline=True)
    slug = OptionalText(
        max_length=SLUG_MAX,
        validate=[validate.Regexp(SLUG_PATTERN, error="Use lowercase letters, digits and single hyphens.")],
    )
    status = Enum(EventStatus)
    start_time = UTCDateTime(allow_none=True)
    end_time = UTCDateTime(allow_none=True)
    category = OptionalText(max_length=100)
    tags = Tags()
    allow_guests = StrictBoolean()  # SPEC §12: anonymous viewers may get a GUEST token (admins set it)


class EventCreateSchema(EventSchema):
    pass


class EventUpdateSchema(_Partial, EventSchema):
    # An event stays in its project; move content by re-creating it.
    project_id = fields.UUID(dump_only=True)


class EventListArgs(PaginationArgs):
    status = Enum(EventStatus)
    project_id = fields.UUID()
    category = Text(min_length=1, max_length=100)
    tag = Text(min_length=1, max_length=30)


# Sessions


class EventSessionSchema(CamelSchema):
    id = fields.UUID(dump_only=True)
    event_id = fields.UUID(required=True)
    title = Text(required=True, min_length=1, max_length=200)
    description = OptionalText(max_length=5000, multiline=True)
    speaker = OptionalText(max_length=200)
    start_time = UTCDateTime(allow_none=True)
    end_time = UTCDateTime(allow_none=True)
    # SPEC §15; changed through PATCH /api/sessions/:id/settings (moderator+).
    settings = fields.Nested(SessionSettingsSchema, dump_only=True)


class EventSessionCreateSchema(EventSessionSchema):
    class Meta(CamelSchema.Meta):
        exclude = ("settings",)  # an unknown field here (400): settings have their own route


class EventSessionUpdateSchema(_Partial, EventSessionSchema):
    class Meta(CamelSchema.Meta):
        exclude = ("settings",)

    event_id = fields.UUID(dump_only=True)


# Streams


class StreamSchema(CamelSchema):
    id = fields.UUID(dump_only=True)
    event_id = fields.UUID(required=True)
    source_type = Enum(StreamSource, required=True)
    source_url = OptionalText(max_length=1000)
    status = Enum(StreamStatus)
    started_at = UTCDateTime(dump_only=True, allow_none=True)
    ended_at = UTCDateTime(dump_only=True, allow_none=True)


class StreamCreateSchema(StreamSchema):
    pass


class StreamUpdateSchema(_Partial, StreamSchema):
    event_id = fields.UUID(dump_only=True)


RTC_ROLES = ("subscriber", "publisher")


class RtcTokenRequestSchema(CamelSchema):
    """``POST /api/streams/:id/rtc-token`` (SPEC §11)."""

    role = fields.String(load_default="subscriber", validate=validate.OneOf(RTC_ROLES))


class RtcTokenSchema(CamelSchema):
    """An Agora AccessToken2 for the stream's channel; call again before ``expiresAt`` for a fresh one."""

    app_id = fields.String()
    channel = fields.String()
    uid = fields.Integer(metadata={"minimum": 1, "maximum": 2**32 - 1})
    role = fields.String(validate=validate.OneOf(RTC_ROLES))
    token = fields.String()
    expires_at = UTCDateTime()


# Rooms


class RoomSchema(CamelSchema):
    id = fields.UUID(dump_only=True)
    event_id = fields.UUID(required=True)
    name = Text(required=True, min_length=1, max_length=200)
    speaker = OptionalText(max_length=200)
    topic = OptionalText(max_length=500)
    thumbnail = _url()
    is_main_stage = StrictBoolean()


class RoomCreateSchema(RoomSchema):
    pass


class RoomUpdateSchema(_Partial, RoomSchema):
    event_id = fields.UUID(dump_only=True)
