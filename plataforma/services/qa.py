"""Session Q&A: ask, upvote once, answer, hide (SPEC §6 Questions).

Every change queues ``questions_updated`` with the session's *visible* list,
computed after the commit so every client converges on the committed state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from plataforma.errors import Conflict, NotFound
from plataforma.extensions import db
from plataforma.models import Profile, Question, QuestionUpvote
from plataforma.schemas.interaction import QuestionSchema
from plataforma.services import events, parse_uuid, webhooks
from plataforma.services.visibility import require_staff, visible_session

questions_schema = QuestionSchema(many=True)
question_schema = QuestionSchema()


def _ordered(
    session_id: uuid.UUID, *, include_hidden: bool, limit: int | None = None, offset: int = 0
) -> list[Question]:
    query = sa.select(Question).where(Question.session_id == session_id)
    if not include_hidden:
        query = query.where(Question.is_hidden.is_(False))
    query = query.order_by(Question.upvotes.desc(), Question.created_at.asc(), Question.id.asc())
    return list(db.session.scalars(query.limit(limit).offset(offset)).all())


def visible_questions_payload(session_id) -> list[dict]:
    """The ``questions_updated`` payload: non-hidden questions, no per-viewer fields."""
    return questions_schema.dump(_ordered(session_id, include_hidden=False))


def _queue_update(session_id: uuid.UUID) -> None:
    events.questions_updated(session_id, lambda: visible_questions_payload(session_id))


def list_questions(
    actor: Profile, session_id, *, include_hidden: bool = False, limit: int | None = None, offset: int = 0
) -> list[Question]:
    """By upvotes desc, then oldest first; hidden ones only for moderators who ask for them."""
    session = visible_session(actor, session_id)
    return _ordered(session.id, include_hidden=include_hidden and actor.is_moderator, limit=limit, offset=offset)


def mark_upvoted(actor: Profile, questions: Iterable[Question]) -> list[Question]:
    """Set ``has_upvoted`` (a plain attribute, for REST answers) on each question; one query."""
    questions = list(questions)
    ids = [q.id for q in questions]
    upvoted: set[uuid.UUID] = set()
    if ids:
        upvoted = set(
            db.session.scalars(
                sa.select(QuestionUpvote.question_id).where(
                    QuestionUpvote.user_id == actor.id, QuestionUpvote.question_id.in_(ids)
                )
            )
        )
    for question in questions:
        question.has_upvoted = question.id in upvoted
    return questions


def ask_question(actor: Profile, session_id, text: str) -> Question:
    session = visible_session(actor, session_id)
    question = Question(session_id=session.id, user_id=actor.id, text=text, upvotes=0, user=actor)
    db.session.add(question)
    db.session.flush()
    _queue_update(session.id)
    webhooks.enqueue("question.created", question_schema.dump(question))
    return question


def _question(actor: Profile, question_id) -> Question:
    """A question the actor may see: 404 inside an invisible session, and hidden ones for attendees."""
    question = db.session.get(Question, parse_uuid(question_id, "question"))
    if question is None or (question.is_hidden and not actor.is_moderator):
        raise NotFound("Question not found.")
    visible_session(actor, question.session_id, missing="Question not found.")
    return question


def upvote_question(actor: Profile, question_id) -> Question:
    """One upvote per user (the question_upvotes primary key); 409 ``already_upvoted`` again.

    The counter is incremented in SQL, so concurrent upvotes never lose an update.
    """
    question = _question(actor, question_id)
    try:
        with db.session.begin_nested():
            db.session.add(QuestionUpvote(question_id=question.id, user_id=actor.id))
    except IntegrityError:
        raise Conflict("You have already upvoted this question.", code="already_upvoted") from None
    upvotes = db.session.execute(
        sa.update(Question)
        .where(Question.id == question.id)
        .values(upvotes=Question.upvotes + 1)
        .returning(Question.upvotes)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(question, "upvotes", upvotes)
    question.has_upvoted = True
    _queue_update(question.session_id)
    return question


def _moderate(actor: Profile, question_id, attribute: str, value: bool) -> Question:
    require_staff(actor, "Only moderators can moderate questions.")
    question = _question(actor, question_id)
    if getattr(question, attribute) != value:
        setattr(question, attribute, value)
        db.session.flush()
        _queue_update(question.session_id)
        if attribute == "is_answered" and value:
            webhooks.enqueue("question.answered", question_schema.dump(question))
    return question


def set_answered(actor: Profile, question_id, is_answered: bool = True) -> Question:
    """Mark answered / not answered (moderator+)."""
    return _moderate(actor, question_id, "is_answered", bool(is_answered))


def set_hidden(actor: Profile, question_id, is_hidden: bool = True) -> Question:
    """Hide from / show to attendees (moderator+)."""
    return _moderate(actor, question_id, "is_hidden", bool(is_hidden))
