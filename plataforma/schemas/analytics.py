"""Analytics (SPEC §13): query arguments and the figures' shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from plataforma.schemas.base import CamelSchema, PaginationArgs, QueryArgs, UTCDateTime
from plataforma.schemas.commerce import ReactionCountsSchema

REACTION_KINDS = ("like", "heart", "fire", "clap")


class AnalyticsArgs(QueryArgs):
    bucket = fields.String(load_default="hour", validate=validate.OneOf(("hour", "minute")))


class ViewersArgs(PaginationArgs):
    live = fields.Boolean(truthy={"true"}, falsy={"false"})


class RetentionSchema(CamelSchema):
    p25 = fields.Integer()
    p50 = fields.Integer()
    p75 = fields.Integer()
    p90 = fields.Integer()


class TimelineBucketSchema(CamelSchema):
    start = UTCDateTime()
    joins = fields.Integer()
    leaves = fields.Integer()
    peak_concurrent = fields.Integer()


class EngagementSchema(CamelSchema):
    messages = fields.Integer()
    questions = fields.Integer()
    upvotes = fields.Integer()
    poll_votes = fields.Integer()
    survey_responses = fields.Integer()
    reactions = fields.Nested(ReactionCountsSchema)


class ProductFiguresSchema(CamelSchema):
    product_id = fields.UUID()
    name = fields.String()
    clicks = fields.Integer()
    unique_clickers = fields.Integer()
    featured_seconds = fields.Integer()


class SessionFiguresSchema(CamelSchema):
    """The figures of a session shared by the session and event analytics."""

    session_id = fields.UUID()
    live_viewers = fields.Integer()
    unique_viewers = fields.Integer()
    total_views = fields.Integer()
    peak_concurrent = fields.Integer()
    peak_at = UTCDateTime(allow_none=True)
    avg_watch_seconds = fields.Float()
    total_watch_seconds = fields.Integer()
    retention = fields.Nested(RetentionSchema)
    engagement = fields.Nested(EngagementSchema)


class SessionAnalyticsSchema(SessionFiguresSchema):
    timeline = fields.List(fields.Nested(TimelineBucketSchema))
    products = fields.List(fields.Nested(ProductFiguresSchema))


class ViewerSchema(CamelSchema):
    user_id = fields.UUID(allow_none=True)
    name = fields.String(allow_none=True)
    joined_at = UTCDateTime()
    left_at = UTCDateTime(allow_none=True)
    watch_seconds = fields.Integer()
    live = fields.Boolean()


class AttendeeSchema(CamelSchema):
    user_id = fields.UUID()
    name = fields.String()
    watch_seconds = fields.Integer()
    engagement_score = fields.Float()


class EventAnalyticsSchema(CamelSchema):
    event_id = fields.UUID()
    unique_viewers = fields.Integer()
    peak_concurrent = fields.Integer()
    peak_at = UTCDateTime(allow_none=True)
    total_watch_seconds = fields.Integer()
    sessions = fields.List(fields.Nested(SessionFiguresSchema))
    top_attendees = fields.List(fields.Nested(AttendeeSchema))
