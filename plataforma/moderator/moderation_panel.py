"""What the live console's Moderation and Pending panels render (SPEC §15 dashboard)."""

from __future__ import annotations

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.limits import BLOCKED_TERMS_MAX, SLOW_MODE_MAX
from plataforma.models import Profile, Question, QuestionStatus
from plataforma.services import bans

# The dashboard's ban buttons: form value -> seconds (None: the whole event, until lifted).
BAN_DURATIONS = {"600": 600, "3600": 3600, "event": None}


def moderation_context(actor, session) -> dict:
    """What the Moderation and Pending panels render."""
    pending = db.session.scalars(
        sa.select(Question)
        .where(Question.session_id == session.id, Question.status == QuestionStatus.PENDING)
        .where(Question.is_hidden.is_(False))
        .order_by(Question.created_at, Question.id)
    ).all()
    event_bans = bans.list_bans(actor, session.event_id, limit=200)
    names = {}
    if event_bans:
        ids = [ban.user_id for ban in event_bans]
        names = dict(db.session.execute(sa.select(Profile.id, Profile.name).where(Profile.id.in_(ids))).all())
    return {
        "settings": session.settings,
        "pending_questions": pending,
        "event_bans": [(ban, names.get(ban.user_id, "")) for ban in event_bans],
        "ban_durations": BAN_DURATIONS,
        "slow_mode_max": SLOW_MODE_MAX,
        "blocked_terms_max": BLOCKED_TERMS_MAX,
    }
