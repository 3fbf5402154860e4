"""Session polls: create, vote once, activate one at a time (SPEC §6 Polls).

Results visibility (SPEC §15): while an ``AFTER_CLOSE`` poll is open, attendees get ``votes: null``
and ``totalVotes: null`` (REST and ``poll_updated``); moderators always get the counts. The room's
``poll_updated`` is one payload for everyone in it, so while counts are hidden the moderators' room
also gets ``poll_results``: the same Poll with its counts. Closing the poll publishes them to all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Conflict, NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.limits import POLL_MAX_OPTIONS, POLL_MIN_OPTIONS, POLL_OPTION_MAX
from plataforma.models import EventSession, Poll, PollOption, PollVote, Profile, ResultsVisibility
from plataforma.schemas.interaction import PollSchema
from plataforma.services import audit, bans, events, parse_uuid, webhooks
from plataforma.services.visibility import require_staff, visible_session
from plataforma.values import as_uuid

poll_schema = PollSchema()


# ---------------------------------------------------------------- shaping


def results_hidden(poll: Poll, staff: bool) -> bool:
    """Whether the counts of ``poll`` are hidden from this viewer: an open ``AFTER_CLOSE`` poll, not staff."""
    return not staff and poll.is_active and poll.results_visibility == ResultsVisibility.AFTER_CLOSE


def poll_views(polls: Sequence[Poll], viewer_id: uuid.UUID | None = None, *, staff: bool = False) -> list[dict]:
    """Polls as dicts for :class:`PollSchema`: vote counts from one GROUP BY query and,
    when ``viewer_id`` is given, that user's votes from one more (``user_vote_option_id``).
    Options are loaded by the relationship's selectin loader (one query for all polls).
    Counts are None where :func:`results_hidden` (``staff``: the viewer is a moderator+)."""
    ids = [poll.id for poll in polls]
    counts: dict[uuid.UUID, int] = {}
    chosen: dict[uuid.UUID, uuid.UUID] = {}
    if ids:
        counts = dict(
            db.session.execute(
                sa.select(PollVote.option_id, sa.func.count())
                .where(PollVote.poll_id.in_(ids))
                .group_by(PollVote.option_id)
            ).all()
        )
        if viewer_id is not None:
            chosen = dict(
                db.session.execute(
                    sa.select(PollVote.poll_id, PollVote.option_id).where(
                        PollVote.poll_id.in_(ids), PollVote.user_id == viewer_id
                    )
                ).all()
            )
    views = []
    for poll in polls:
        hidden = results_hidden(poll, staff)
        options = [{"id": o.id, "text": o.text, "votes": None if hidden else counts.get(o.id, 0)} for o in poll.options]
        view = {
            "id": poll.id,
            "session_id": poll.session_id,
            "question": poll.question,
            "is_active": poll.is_active,
            "results_visibility": poll.results_visibility or ResultsVisibility.LIVE,
            "options": options,
            "total_votes": None if hidden else sum(o["votes"] for o in options),
            "created_at": poll.created_at,
        }
        if viewer_id is not None:
            view["user_vote_option_id"] = chosen.get(poll.id)
        views.append(view)
    return views


def poll_view(poll: Poll, viewer_id: uuid.UUID | None = None, *, staff: bool = False) -> dict:
    return poll_views([poll], viewer_id, staff=staff)[0]


def poll_payload(poll: Poll, viewer_id: uuid.UUID | None = None, *, staff: bool = False) -> dict:
    """The Poll JSON (camelCase); ``userVoteOptionId`` only when ``viewer_id`` is given."""
    return poll_schema.dump(poll_view(poll, viewer_id, staff=staff))


def _queue_update(poll: Poll) -> None:
    poll_id = poll.id

    def payload(staff: bool = False) -> dict:  # in the transaction, after the change: its counts
        return poll_payload(db.session.get(Poll, poll_id), staff=staff)

    events.poll_updated(poll.session_id, payload)
    if results_hidden(poll, staff=False):
        events.poll_results(poll.session_id, lambda: payload(staff=True))


def _announce(poll: Poll) -> None:
    """``poll.opened`` / ``poll.closed`` webhooks (after the flush: the Poll with its counts)."""
    webhooks.enqueue("poll.opened" if poll.is_active else "poll.closed", poll_payload(poll, staff=True))


# ---------------------------------------------------------------- reads


def list_polls(actor: Profile, session_id, *, limit: int | None = None, offset: int = 0) -> list[Poll]:
    """The session's polls, newest first."""
    session = visible_session(actor, session_id)
    query = sa.select(Poll).where(Poll.session_id == session.id).order_by(Poll.created_at.desc(), Poll.id.desc())
    return list(db.session.scalars(query.limit(limit).offset(offset)).all())


def get_active_poll(actor: Profile, session_id) -> Poll:
    session = visible_session(actor, session_id)
    poll = db.session.scalar(sa.select(Poll).where(Poll.session_id == session.id, Poll.is_active.is_(True)))
    if poll is None:
        raise NotFound("This session has no active poll.", code="no_active_poll")
    return poll


def _poll(actor: Profile, poll_id, *, lock: bool = False, participate: bool = False) -> Poll:
    # lock: FOR SHARE, so a concurrent close (an UPDATE of the row) waits for the vote, or the
    # vote sees the poll closed; never a vote counted in a poll that closed meanwhile.
    lock_options = {"with_for_update": {"read": True}, "populate_existing": True} if lock else {}
    poll = db.session.get(Poll, parse_uuid(poll_id, "poll"), **lock_options)
    if poll is None:
        raise NotFound("Poll not found.")
    session = visible_session(actor, poll.session_id, missing="Poll not found.")
    if participate:
        bans.check_not_banned(actor, session.event_id)  # 403 banned (SPEC §15)
    return poll


def _audit(actor: Profile, poll: Poll, action: str, details: dict) -> None:
    event_id = db.session.scalar(sa.select(EventSession.event_id).where(EventSession.id == poll.session_id))
    audit.record(actor, event_id, poll.session_id, action, "poll", poll.id, details)


# ---------------------------------------------------------------- changes


def _require_moderator(actor: Profile) -> None:
    require_staff(actor, "Only moderators can manage polls.")


def _close_other_polls(session_id: uuid.UUID, keep_id: uuid.UUID | None) -> None:
    """Deactivate every other active poll of the session, *before* one is activated.

    The session row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; a no-op
    on SQLite, where writers are serialised anyway), so concurrent activations in one
    session run one after the other instead of tripping the one-active unique index.
    """
    db.session.execute(sa.select(EventSession.id).where(EventSession.id == session_id).with_for_update(key_share=True))
    query = sa.select(Poll).where(Poll.session_id == session_id, Poll.is_active.is_(True))
    if keep_id is not None:
        query = query.where(Poll.id != keep_id)
    closed = db.session.scalars(query).all()
    for other in closed:
        other.is_active = False
        _queue_update(other)
    db.session.flush()  # the deactivations reach the database before the activation
    for other in closed:
        _announce(other)


def create_poll(
    actor: Profile,
    session_id,
    question: str,
    options: list[str],
    is_active: bool = False,
    results_visibility: ResultsVisibility = ResultsVisibility.LIVE,
) -> Poll:
    """A poll with distinct options (``plataforma.limits``), inactive unless asked (moderator+)."""
    _require_moderator(actor)
    session = visible_session(actor, session_id)
    _check_options(options)
    if is_active:
        _close_other_polls(session.id, keep_id=None)
    visibility = ResultsVisibility(results_visibility or ResultsVisibility.LIVE)
    poll = Poll(session_id=session.id, question=question, is_active=bool(is_active), results_visibility=visibility)
    poll.options = [PollOption(text=text, position=position) for position, text in enumerate(options)]
    db.session.add(poll)
    db.session.flush()
    _queue_update(poll)
    if poll.is_active:
        _announce(poll)
    details = {"question": question, "isActive": poll.is_active, "resultsVisibility": visibility.value}
    audit.record(actor, session.event_id, session.id, "poll.create", "poll", poll.id, details)
    return poll


def _check_options(options: list[str]) -> None:
    """Defence in depth for callers that skip :class:`PollCreateSchema`."""
    problems = []
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        problems.append(f"A poll needs {POLL_MIN_OPTIONS} to {POLL_MAX_OPTIONS} options.")
    if any(not text or len(text) > POLL_OPTION_MAX for text in options):
        problems.append(f"Each option needs 1 to {POLL_OPTION_MAX} characters.")
    if len({text.casefold() for text in options}) != len(options):
        problems.append("Options must be distinct.")
    if problems:
        raise ValidationFailed("The poll options are invalid.", fields={"options": problems})


def set_poll_active(actor: Profile, poll_id, is_active: bool | None = None) -> Poll:
    """Open or close a poll (``None`` toggles); opening one closes the others (moderator+)."""
    _require_moderator(actor)
    poll = _poll(actor, poll_id)
    target = (not poll.is_active) if is_active is None else bool(is_active)
    if target:
        _close_other_polls(poll.session_id, keep_id=poll.id)
    if poll.is_active != target:
        poll.is_active = target
        db.session.flush()
        _queue_update(poll)
        _announce(poll)
        _audit(actor, poll, "poll.open" if target else "poll.close", {})
    return poll


def vote_in_poll(actor: Profile, poll_id, option_id) -> Poll:
    """One vote per user per poll (unique index: 409 ``already_voted``); the poll must be
    active (409 ``poll_inactive``) and the option one of its own (400 ``invalid_option``)."""
    poll = _poll(actor, poll_id, lock=True, participate=True)
    option_id = as_uuid(option_id)
    if option_id is None or all(option.id != option_id for option in poll.options):
        raise ValidationFailed(
            "The option does not belong to this poll.", code="invalid_option", fields={"optionId": ["Unknown option."]}
        )
    if not poll.is_active:
        raise Conflict("This poll is closed.", code="poll_inactive")
    try:
        with db.session.begin_nested():
            db.session.add(PollVote(poll_id=poll.id, option_id=option_id, user_id=actor.id))
    except IntegrityError:
        raise Conflict("You have already voted in this poll.", code="already_voted") from None
    _queue_update(poll)
    return poll
