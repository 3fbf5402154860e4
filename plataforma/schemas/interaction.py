"""Chat, Q&A, polls and surveys: the payloads REST, sockets and dashboard forms share."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from plataforma.limits import (
    CHOICE_MAX_OPTIONS,
    CHOICE_MIN_OPTIONS,
    CHOICE_OPTION_MAX,
    LIST_MAX,
    MESSAGE_MAX,
    POLL_MAX_OPTIONS,
    POLL_MIN_OPTIONS,
    POLL_OPTION_MAX,
    POLL_QUESTION_MAX,
    QUESTION_MAX,
    SURVEY_MAX_FIELDS,
    SURVEY_QUESTION_MAX,
    SURVEY_TITLE_MAX,
)
from plataforma.models import QuestionStatus, ResultsVisibility, SurveyFieldType
from plataforma.schemas.accounts import PublicUserSchema
from plataforma.schemas.base import (
    CamelSchema,
    Enum,
    PaginationArgs,
    QueryArgs,
    StrictBoolean,
    Text,
    UTCDateTime,
    ViewSchema,
)


def distinct_texts(values: list[str]) -> None:
    """Reject duplicates, compared case-insensitively after cleaning."""
    seen: set[str] = set()
    for value in values:
        key = value.casefold()
        if key in seen:
            raise ma.ValidationError(f"Duplicate option: {value!r}.")
        seen.add(key)


# ---------------------------------------------------------------- output


class MessageSchema(CamelSchema):
    id = fields.UUID()
    session_id = fields.UUID()
    user_id = fields.UUID()
    user = fields.Nested(PublicUserSchema)
    text = fields.String()
    is_pinned = fields.Boolean()
    is_deleted = fields.Boolean()
    created_at = UTCDateTime()


_QUESTION_FIELDS = (
    "id",
    "session_id",
    "user_id",
    "user",
    "text",
    "upvotes",
    "is_answered",
    "is_hidden",
    "status",
    "is_anonymous",
    "created_at",
)


class QuestionSchema(ViewSchema):
    """A question as broadcast in ``questions_updated`` (no per-viewer data).

    Views (``qa.question_view`` decides): ``public`` (attendees: the author of an anonymous question is
    ``null``) and ``staff`` (moderators and admins: always the author). No view is ``public``.
    """

    views = {"public": _QUESTION_FIELDS, "staff": _QUESTION_FIELDS}

    id = fields.UUID()
    session_id = fields.UUID()
    user_id = fields.UUID(allow_none=True)
    user = fields.Nested(PublicUserSchema, allow_none=True)
    text = fields.String()
    upvotes = fields.Integer()
    is_answered = fields.Boolean()
    is_hidden = fields.Boolean()
    status = Enum(QuestionStatus)
    is_anonymous = fields.Boolean()
    created_at = UTCDateTime()

    @ma.post_dump(pass_original=True)
    def hide_anonymous_author(self, data, question, **kwargs):
        if self.view != "staff" and getattr(question, "is_anonymous", False):
            data["userId"] = None
            data["user"] = None
        return data


class QuestionViewSchema(QuestionSchema):
    """A question as read over REST: also whether the caller has upvoted it (``viewer={"upvoted": ids}``,
    see ``qa.question_viewer``)."""

    views = {name: (*fields_, "has_upvoted") for name, fields_ in QuestionSchema.views.items()}

    has_upvoted = fields.Method("_has_upvoted", metadata={"type": "boolean"})

    def _has_upvoted(self, question):
        upvoted = self.viewer.get("upvoted")
        return ma.missing if upvoted is None else question.id in upvoted


class PollOptionSchema(CamelSchema):
    id = fields.UUID()
    text = fields.String()
    votes = fields.Integer(allow_none=True)  # null: results hidden from this viewer (AFTER_CLOSE, open)


class PollSchema(CamelSchema):
    """The Poll JSON; ``userVoteOptionId`` only in REST answers (the caller's vote or null).

    ``votes`` / ``totalVotes`` are null for attendees while an ``AFTER_CLOSE`` poll is open."""

    id = fields.UUID()
    session_id = fields.UUID()
    question = fields.String()
    is_active = fields.Boolean()
    results_visibility = Enum(ResultsVisibility)
    options = fields.List(fields.Nested(PollOptionSchema))
    total_votes = fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    user_vote_option_id = fields.UUID(allow_none=True)


class SurveyFieldCreateSchema(CamelSchema):
    question = Text(required=True, min_length=1, max_length=SURVEY_QUESTION_MAX)
    type = Enum(SurveyFieldType, required=True)
    options = fields.List(
        Text(min_length=1, max_length=CHOICE_OPTION_MAX),
        allow_none=True,
        load_default=None,
        validate=[validate.Length(min=CHOICE_MIN_OPTIONS, max=CHOICE_MAX_OPTIONS), distinct_texts],
    )
    required = StrictBoolean(load_default=False)

    @ma.validates_schema
    def options_match_type(self, data, **kwargs):
        options = data.get("options")
        if data.get("type") == SurveyFieldType.CHOICE and not options:
            raise ma.ValidationError(
                f"A CHOICE field needs at least {CHOICE_MIN_OPTIONS} options.", field_name="options"
            )
        if data.get("type") in (SurveyFieldType.RATING, SurveyFieldType.TEXT) and options is not None:
            raise ma.ValidationError("Only CHOICE fields take options.", field_name="options")


class SurveyFieldSchema(CamelSchema):
    id = fields.UUID()
    question = fields.String()
    type = Enum(SurveyFieldType)
    options = fields.List(fields.String(), allow_none=True)
    required = fields.Boolean()


class SurveySchema(ViewSchema):
    """``hasResponded``: whether the caller answered it (``viewer={"responded": ids}``, see
    ``surveys.survey_viewer``)."""

    id = fields.UUID()
    session_id = fields.UUID()
    title = fields.String()
    is_active = fields.Boolean()
    fields = fields.List(fields.Nested(SurveyFieldSchema))
    created_at = UTCDateTime()
    has_responded = ma.fields.Method("_has_responded", metadata={"type": "boolean"})  # `fields` is a field here

    def _has_responded(self, survey):
        responded = self.viewer.get("responded")
        return ma.missing if responded is None else survey.id in responded


class SurveyResponseSchema(CamelSchema):
    id = fields.UUID()
    survey_id = fields.UUID()
    user_id = fields.UUID()
    responses = fields.Dict(keys=fields.String())
    created_at = UTCDateTime()


# ---------------------------------------------------------------- input


class SessionRefSchema(CamelSchema):
    """``{sessionId}`` (socket join/leave payload)."""

    session_id = fields.UUID(required=True)


class MessageCreateSchema(CamelSchema):
    session_id = fields.UUID(required=True)
    text = Text(required=True, min_length=1, max_length=MESSAGE_MAX)


class SessionListArgs(PaginationArgs):
    """Questions and polls of a session: one page holds the usual whole list."""

    limit = fields.Integer(load_default=LIST_MAX, validate=validate.Range(min=1, max=LIST_MAX))


class MessageListArgs(QueryArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=LIST_MAX))
    before = fields.UUID(load_default=None)
    include_deleted = fields.Boolean(load_default=False)


class QuestionCreateSchema(CamelSchema):
    session_id = fields.UUID(required=True)
    text = Text(required=True, min_length=1, max_length=QUESTION_MAX)
    # Only where the session allows anonymous questions (400 on ``anonymous`` otherwise).
    anonymous = StrictBoolean(load_default=False)


class UpvoteSchema(CamelSchema):
    """``{questionId}`` (socket payload)."""

    question_id = fields.UUID(required=True)


class QuestionAnswerSchema(CamelSchema):
    is_answered = StrictBoolean(load_default=True)


class QuestionHideSchema(CamelSchema):
    is_hidden = StrictBoolean(load_default=True)


class PollCreateSchema(CamelSchema):
    session_id = fields.UUID(required=True)
    question = Text(required=True, min_length=1, max_length=POLL_QUESTION_MAX)
    options = fields.List(
        Text(min_length=1, max_length=POLL_OPTION_MAX),
        required=True,
        validate=[validate.Length(min=POLL_MIN_OPTIONS, max=POLL_MAX_OPTIONS), distinct_texts],
    )
    is_active = StrictBoolean(load_default=False)
    results_visibility = Enum(ResultsVisibility, load_default=ResultsVisibility.LIVE)


class PollVoteSchema(CamelSchema):
    poll_id = fields.UUID(required=True)
    option_id = fields.UUID(required=True)


class PollActivateSchema(CamelSchema):
    """``isActive`` absent: toggle."""

    is_active = StrictBoolean(load_default=None)


class SurveyCreateSchema(CamelSchema):
    session_id = fields.UUID(required=True)
    title = Text(required=True, min_length=1, max_length=SURVEY_TITLE_MAX)
    is_active = StrictBoolean(load_default=True)
    fields = fields.List(
        fields.Nested(SurveyFieldCreateSchema), required=True, validate=validate.Length(min=1, max=SURVEY_MAX_FIELDS)
    )


class SurveyUpdateSchema(CamelSchema):
    title = Text(min_length=1, max_length=SURVEY_TITLE_MAX)
    is_active = StrictBoolean()


class SurveyAnswerSchema(CamelSchema):
    """``{surveyId, responses: {<fieldId>: value}}``; values are checked against the fields by the service."""

    survey_id = fields.UUID(required=True)
    responses = fields.Dict(keys=fields.String(), required=True)
