"""Session surveys: admins build them, attendees answer once (SPEC §6 Surveys)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Conflict, NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.limits import SURVEY_TEXT_MAX
from plataforma.models import Profile, Survey, SurveyField, SurveyFieldType, SurveyResponse
from plataforma.schemas.base import clean_text
from plataforma.schemas.interaction import SurveyResponseSchema
from plataforma.services import bans, parse_uuid, webhooks
from plataforma.services.visibility import require_admin, visible_session
from plataforma.values import as_uuid


def list_surveys(actor: Profile, session_id) -> list[Survey]:
    """Every survey of the session (active or not), oldest first; fields come in one more query."""
    session = visible_session(actor, session_id)
    query = sa.select(Survey).where(Survey.session_id == session.id).order_by(Survey.created_at, Survey.id)
    return list(db.session.scalars(query).all())


def survey_viewer(actor: Profile, surveys: list[Survey]) -> dict:
    """What ``SurveySchema`` shows this caller about these surveys: the ids of those they have
    answered (``hasResponded``), in one query whatever the length of the list."""
    ids = [survey.id for survey in surveys]
    responded: set = set()
    if ids:
        query = sa.select(SurveyResponse.survey_id).where(
            SurveyResponse.user_id == actor.id, SurveyResponse.survey_id.in_(ids)
        )
        responded = set(db.session.scalars(query))
    return {"responded": responded}


def _require_admin(actor: Profile) -> None:
    require_admin(actor, "Only admins can manage surveys.")


def create_survey(actor: Profile, session_id, title: str, fields: list[dict], is_active: bool = True) -> Survey:
    """``fields`` as loaded by :class:`SurveyFieldCreateSchema` (question, type, options, required)."""
    _require_admin(actor)
    session = visible_session(actor, session_id)
    survey = Survey(session_id=session.id, title=title, is_active=bool(is_active))
    survey.fields = [
        SurveyField(
            question=field["question"],
            type=SurveyFieldType(field["type"]),
            options=list(field["options"]) if field.get("options") else None,
            required=bool(field.get("required", False)),
            position=position,
        )
        for position, field in enumerate(fields)
    ]
    db.session.add(survey)
    db.session.flush()
    return survey


def _survey(actor: Profile, survey_id, *, lock: bool = False) -> Survey:
    # lock: FOR SHARE, so closing the survey and answering it serialise (see polls._poll).
    lock_options = {"with_for_update": {"read": True}, "populate_existing": True} if lock else {}
    survey = db.session.get(Survey, parse_uuid(survey_id, "survey"), **lock_options)
    if survey is None:
        raise NotFound("Survey not found.")
    visible_session(actor, survey.session_id, missing="Survey not found.")
    return survey


def update_survey(actor: Profile, survey_id, changes: dict) -> Survey:
    """Change ``title`` and/or ``is_active`` (admin). Fields are fixed once answers may exist."""
    _require_admin(actor)
    survey = _survey(actor, survey_id)
    for key in ("title", "is_active"):
        if key in changes:
            setattr(survey, key, changes[key])
    db.session.flush()
    return survey


def respond_to_survey(actor: Profile, survey_id, responses: dict) -> SurveyResponse:
    """Answer a survey once. Values are checked against its fields; 400 lists problems by field id."""
    survey = _survey(actor, survey_id, lock=True)
    bans.check_session(actor, survey.session_id)  # 403 banned (SPEC §15)
    if not survey.is_active:
        raise Conflict("This survey is closed.", code="survey_inactive")
    answers = _validate_answers(survey, responses)
    response = SurveyResponse(survey_id=survey.id, user_id=actor.id, responses=answers)
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        raise Conflict("You have already answered this survey.", code="already_responded") from None
    webhooks.enqueue("survey.response_created", SurveyResponseSchema().dump(response))
    return response


def _validate_answers(survey: Survey, responses: dict) -> dict:
    by_id = {str(field.id): field for field in survey.fields}
    errors: dict[str, list[str]] = {}
    answers: dict[str, object] = {}
    for key, value in responses.items():
        parsed = as_uuid(key)
        field_id = str(parsed) if parsed else None
        field = by_id.get(field_id) if field_id else None
        if field is None:
            errors[str(key)] = ["Unknown field."]
            continue
        if value is None:
            continue  # an explicit null is "not answered"
        try:
            cleaned = _check_value(field, value)
        except ValueError as exc:
            errors[field_id] = [str(exc)]
            continue
        if cleaned is not None:
            answers[field_id] = cleaned
    for field_id, field in by_id.items():
        if field.required and field_id not in answers and field_id not in errors:
            errors[field_id] = ["This field is required."]
    if errors:
        raise ValidationFailed("The survey responses are invalid.", fields=errors)
    return answers


def _check_value(field: SurveyField, value):
    if field.type == SurveyFieldType.RATING:
        # bool is an int in Python, and 4.0 is not an integer answer: both are refused.
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValueError("Must be an integer from 1 to 5.")
        return value
    if field.type == SurveyFieldType.CHOICE:
        choice = clean_text(value) if isinstance(value, str) else None
        if choice not in (field.options or []):
            raise ValueError("Must be one of the field's options.")
        return choice
    if not isinstance(value, str):
        raise ValueError("Must be a string.")
    text = clean_text(value, multiline=True)
    if len(text) > SURVEY_TEXT_MAX:
        raise ValueError(f"Must be at most {SURVEY_TEXT_MAX} characters.")
    return text or None  # blank text is "not answered"
