"""/api/surveys: session surveys and their responses."""

from __future__ import annotations

from flask import jsonify
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.interaction import (
    SurveyAnswerSchema,
    SurveyCreateSchema,
    SurveyResponseSchema,
    SurveySchema,
    SurveyUpdateSchema,
)
from plataforma.services import commit, surveys

blp = Blueprint("surveys", __name__, url_prefix="/api/surveys", description="Session surveys")


def _dump(found: list, *, many: bool):
    """Surveys with ``hasResponded`` for the caller (a Response: smorest passes it through)."""
    schema = SurveySchema(many=many, viewer=surveys.survey_viewer(current_user, found))
    return jsonify(schema.dump(found if many else found[0]))


@blp.route("/session/<session_id>", methods=["GET"])
@login_required
@blp.response(200, SurveySchema(many=True))
def list_surveys(session_id):
    """Every survey of the session with its fields, and whether the caller has answered each."""
    return _dump(surveys.list_surveys(current_user, session_id), many=True)


@blp.route("/", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(SurveyCreateSchema)
@blp.response(201, SurveySchema)
def create_survey(data):
    """Create a survey (admin)."""
    survey = surveys.create_survey(
        current_user, data["session_id"], data["title"], data["fields"], is_active=data["is_active"]
    )
    commit()
    return _dump([survey], many=False), 201


@blp.route("/<survey_id>", methods=["PATCH"])
@admin_required
@blp.arguments(SurveyUpdateSchema)
@blp.response(200, SurveySchema)
def update_survey(changes, survey_id):
    """Change a survey's title or open/close it (admin)."""
    survey = surveys.update_survey(current_user, survey_id, changes)
    commit()
    return _dump([survey], many=False)


@blp.route("/response", methods=["POST"])
@login_required
@blp.arguments(SurveyAnswerSchema)
@blp.response(201, SurveyResponseSchema)
@blp.alt_response(400, description="Invalid answers, keyed by field id in `error.fields`")
@blp.alt_response(409, description="Already answered (`already_responded`) or the survey is closed (`survey_inactive`)")
def respond(data):
    """Answer an active survey once."""
    response = surveys.respond_to_survey(current_user, data["survey_id"], data["responses"])
    commit()
    return response
