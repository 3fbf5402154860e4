"""Session Q&A: ask, upvote once, answer, hide, approve (SPEC §6 Questions, §15).

Every change queues ``questions_updated`` with the session's *visible* list (approved and not
hidden; anonymous authors hidden), computed after the commit so every client converges on the
committed state. A question asked while the session moderates questions is ``PENDING``: seen
only by its author and moderators (REST), announced to the moderators' room with
``question_pending``, and in ``questions_updated`` once approved.

What a caller sees of a question is a schema view (``QuestionSchema`` / ``QuestionViewSchema``):
``staff`` for moderators and admins (the author of an anonymous question too), ``public`` otherwise;
``hasUpvoted`` is a viewer fact (:func:`question_viewer`, one query for a whole list).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from plataforma.errors import Conflict, NotFound
from plataforma.extensions import db
from plataforma.models import EventSession, Profile, Question, QuestionStatus, QuestionUpvote
from plataforma.schemas.interaction import QuestionSchema, QuestionViewSchema
from plataforma.services import audit, bans, events, moderation, parse_uuid, webhooks
from plataforma.services.visibility import require_staff, visible_session

public_questions_schema = QuestionSchema(many=True, view="public")
staff_question_schema = QuestionSchema(view="staff")


def question_view(actor: Profile | None) -> str:
    """Which view of a question ``actor`` gets: ``staff`` (moderator+) or ``public``."""
    return "staff" if actor is not None and actor.is_moderator else "public"


def _ordered(
    session_id: uuid.UUID,
    *,
    include_hidden: bool,
    include_pending: bool = False,
    author_id: uuid.UUID | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Question]:
    query = sa.select(Question).where(Question.session_id == session_id)
    if not include_hidden:
        query = query.where(Question.is_hidden.is_(False))
    if not include_pending:
        approved = Question.status == QuestionStatus.APPROVED
        query = query.where(approved if author_id is None else sa.or_(approved, Question.user_id == author_id))
    query = query.order_by(Question.upvotes.desc(), Question.created_at.asc(), Question.id.asc())
    return list(db.session.scalars(query.limit(limit).offset(offset)).all())


def visible_questions_payload(session_id) -> list[dict]:
    """The ``questions_updated`` payload: approved, non-hidden questions, public view, no per-viewer fields."""
    return public_questions_schema.dump(_ordered(session_id, include_hidden=False))


def _queue_update(session_id: uuid.UUID) -> None:
    events.questions_updated(session_id, lambda: visible_questions_payload(session_id))


def list_questions(
    actor: Profile, session_id, *, include_hidden: bool = False, limit: int | None = None, offset: int = 0
) -> list[Question]:
    """By upvotes desc, then oldest first; hidden ones only for moderators who ask for them; pending ones
    for moderators and their authors."""
    session = visible_session(actor, session_id)
    staff = actor.is_moderator
    return _ordered(
        session.id,
        include_hidden=include_hidden and staff,
        include_pending=staff,
        author_id=actor.id,
        limit=limit,
        offset=offset,
    )


def question_viewer(actor: Profile, questions: Iterable[Question]) -> dict:
    """``{"upvoted": ids}``: which of ``questions`` the caller has upvoted (one query)."""
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
    return {"upvoted": upvoted}


def questions_json(actor: Profile, questions: list[Question]) -> list[dict]:
    """Questions as REST shows them to ``actor`` (its view, with ``hasUpvoted``)."""
    schema = QuestionViewSchema(many=True, view=question_view(actor), viewer=question_viewer(actor, questions))
    return schema.dump(questions)


def question_json(actor: Profile, question: Question) -> dict:
    return questions_json(actor, [question])[0]


def staff_payload(question: Question) -> dict:
    """The question as a moderator sees it (``question_pending``, webhooks, the dashboard)."""
    return staff_question_schema.dump(question)


def ask_question(actor: Profile, session_id, text: str, anonymous: bool = False) -> Question:
    """Ask (SPEC §15 applies: bans, questions off, anonymity allowed, blocked terms, approval queue)."""
    session = visible_session(actor, session_id)
    bans.check_not_banned(actor, session.event_id)
    moderation.check_questions(actor, session, anonymous)
    moderation.check_blocked_terms(session, text)
    pending = session.question_moderation and not actor.is_moderator
    question = Question(
        session_id=session.id,
        user_id=actor.id,
        text=text,
        upvotes=0,
        user=actor,
        status=QuestionStatus.PENDING if pending else QuestionStatus.APPROVED,
        is_anonymous=bool(anonymous),
    )
    db.session.add(question)
    db.session.flush()
    payload = staff_payload(question)
    if pending:
        events.question_pending(session.id, payload)
    else:
        _queue_update(session.id)
    webhooks.enqueue("question.created", payload)
    return question


def _question(actor: Profile, question_id, *, participate: bool = False) -> tuple[Question, EventSession]:
    """A question the actor may see: 404 inside an invisible session, hidden ones for attendees and
    pending ones for attendees other than the author. ``participate``: also 403 ``banned``."""
    question = db.session.get(Question, parse_uuid(question_id, "question"))
    staff = actor.is_moderator
    if question is None or (question.is_hidden and not staff):
        raise NotFound("Question not found.")
    if question.status == QuestionStatus.PENDING and not staff and question.user_id != actor.id:
        raise NotFound("Question not found.")
    session = visible_session(actor, question.session_id, missing="Question not found.")
    if participate:
        bans.check_not_banned(actor, session.event_id)
    return question, session


def upvote_question(actor: Profile, question_id) -> Question:
    """One upvote per user (the question_upvotes primary key); 409 ``already_upvoted`` again.

    The counter is incremented in SQL, so concurrent upvotes never lose an update.
    """
    question, _session = _question(actor, question_id, participate=True)
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
    _queue_update(question.session_id)
    return question


_ACTIONS = {
    ("is_answered", True): "question.answer",
    ("is_answered", False): "question.reopen",
    ("is_hidden", True): "question.hide",
    ("is_hidden", False): "question.unhide",
}


def _moderate(actor: Profile, question_id, attribute: str, value: bool) -> Question:
    require_staff(actor, "Only moderators can moderate questions.")
    question, session = _question(actor, question_id)
    if getattr(question, attribute) != value:
        setattr(question, attribute, value)
        db.session.flush()
        _queue_update(question.session_id)
        if attribute == "is_answered" and value:
            webhooks.enqueue("question.answered", staff_payload(question))
        _audit(actor, session, question, _ACTIONS[(attribute, value)])
    return question


def _audit(actor: Profile, session: EventSession, question: Question, action: str) -> None:
    details = {"userId": str(question.user_id)}
    audit.record(actor, session.event_id, session.id, action, "question", question.id, details)


def set_answered(actor: Profile, question_id, is_answered: bool = True) -> Question:
    """Mark answered / not answered (moderator+)."""
    return _moderate(actor, question_id, "is_answered", bool(is_answered))


def set_hidden(actor: Profile, question_id, is_hidden: bool = True) -> Question:
    """Hide from / show to attendees (moderator+)."""
    return _moderate(actor, question_id, "is_hidden", bool(is_hidden))


def approve_question(actor: Profile, question_id) -> Question:
    """Approve a pending question (moderator+): attendees see it from now on (``questions_updated``).
    Approving an approved question changes nothing."""
    require_staff(actor, "Only moderators can approve questions.")
    question, session = _question(actor, question_id)
    if question.status != QuestionStatus.APPROVED:
        question.status = QuestionStatus.APPROVED
        db.session.flush()
        _queue_update(question.session_id)
        _audit(actor, session, question, "question.approve")
    return question
