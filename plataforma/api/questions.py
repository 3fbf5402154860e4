"""/api/questions: session Q&A."""

from __future__ import annotations

from flask import jsonify
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
    """Questions by upvotes, then oldest first (`limit`, `offset`); moderators also see hidden and pending
    ones, authors their own pending ones; attendees see anonymous questions without their author."""
    questions = qa.list_questions(
        current_user, session_id, include_hidden=current_user.is_moderator, limit=args["limit"], offset=args["offset"]
    )
    return jsonify(qa.questions_json(current_user, questions))


@blp.route("/", methods=["POST"], strict_slashes=False)
@login_required
@blp.arguments(QuestionCreateSchema)
@blp.response(201, QuestionViewSchema)
@blp.alt_response(400, description="Invalid, a blocked term (`blocked_term`), or `anonymous` where not allowed")
@blp.alt_response(403, description="Questions are off (`questions_disabled`) or the caller is banned (`banned`)")
def ask_question(data):
    """Ask a question (`anonymous: true` where the session allows it); emits `questions_updated`, or
    `question_pending` to moderators when the session moderates questions."""
    question = qa.ask_question(current_user, data["session_id"], data["text"], data["anonymous"])
    commit()
    return _answer(question, 201)


@blp.route("/<question_id>/upvote", methods=["PATCH"])
@login_required
@blp.response(200, QuestionViewSchema)
@blp.alt_response(403, description="The caller is banned from the event (`banned`)")
@blp.alt_response(409, description="Already upvoted by the caller (`already_upvoted`)")
def upvote_question(question_id):
    """Upvote a question once; emits `questions_updated`."""
    question = qa.upvote_question(current_user, question_id)
    commit()
    return _answer(question)


@blp.route("/<question_id>/answer", methods=["PATCH"])
@moderator_required
@blp.arguments(QuestionAnswerSchema, required=False)
@blp.response(200, QuestionViewSchema)
def answer_question(data, question_id):
    """Mark a question answered (`isAnswered`, default true; moderator+)."""
    question = qa.set_answered(current_user, question_id, (data or {}).get("is_answered", True))
    commit()
    return _answer(question)


@blp.route("/<question_id>/hide", methods=["PATCH"])
@moderator_required
@blp.arguments(QuestionHideSchema, required=False)
@blp.response(200, QuestionViewSchema)
def hide_question(data, question_id):
    """Hide a question from attendees (`isHidden`, default true; moderator+)."""
    question = qa.set_hidden(current_user, question_id, (data or {}).get("is_hidden", True))
    commit()
    return _answer(question)


@blp.route("/<question_id>/approve", methods=["PATCH"])
@moderator_required
@blp.response(200, QuestionViewSchema)
def approve_question(question_id):
    """Approve a pending question (moderator+): attendees see it from now on; emits `questions_updated`."""
    question = qa.approve_question(current_user, question_id)
    commit()
    return _answer(question)


def _answer(question, status: int = 200):
    response = jsonify(qa.question_json(current_user, question))
    response.status_code = status
    return response
