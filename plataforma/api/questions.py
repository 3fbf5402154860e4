"""/api/questions: session Q&A."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required, moderator_required
from plataforma.schemas.interaction import (
    QuestionAnswerSchema,
    QuestionCreateSchema,
    QuestionHideSchema,
    QuestionViewSchema,
    SessionListArgs,
)
from plataforma.services import commit, qa

blp = Blueprint("questions", __name__, url_prefix="/api/questions", description="Session Q&A")


@blp.route("/session/<session_id>", methods=["GET"])
@login_required(guests=True)
@blp.arguments(SessionListArgs, location="query")
@blp.response(200, QuestionViewSchema(many=True))
def list_questions(args, session_id):
    """Questions by upvotes, then oldest first (`limit`, `offset`); moderators also see hidden ones."""
    questions = qa.list_questions(
        current_user, session_id, include_hidden=current_user.is_moderator, limit=args["limit"], offset=args["offset"]
    )
    return qa.mark_upvoted(current_user, questions)


@blp.route("/", methods=["POST"], strict_slashes=False)
@login_required
@blp.arguments(QuestionCreateSchema)
@blp.response(201, QuestionViewSchema)
def ask_question(data):
    """Ask a question; emits `questions_updated`."""
    question = qa.ask_question(current_user, data["session_id"], data["text"])
    commit()
    question.has_upvoted = False
    return question


@blp.route("/<question_id>/upvote", methods=["PATCH"])
@login_required
@blp.response(200, QuestionViewSchema)
@blp.alt_response(409, description="Already upvoted by the caller (`already_upvoted`)")
def upvote_question(question_id):
    """Upvote a question once; emits `questions_updated`."""
    question = qa.upvote_question(current_user, question_id)
    commit()
    return _viewed(question)


@blp.route("/<question_id>/answer", methods=["PATCH"])
@moderator_required
@blp.arguments(QuestionAnswerSchema, required=False)
@blp.response(200, QuestionViewSchema)
def answer_question(data, question_id):
    """Mark a question answered (`isAnswered`, default true; moderator+)."""
    question = qa.set_answered(current_user, question_id, (data or {}).get("is_answered", True))
    commit()
    return _viewed(question)


@blp.route("/<question_id>/hide", methods=["PATCH"])
@moderator_required
@blp.arguments(QuestionHideSchema, required=False)
@blp.response(200, QuestionViewSchema)
def hide_question(data, question_id):
    """Hide a question from attendees (`isHidden`, default true; moderator+)."""
    question = qa.set_hidden(current_user, question_id, (data or {}).get("is_hidden", True))
    commit()
    return _viewed(question)


def _viewed(question):
    return qa.mark_upvoted(current_user, [question])[0]
