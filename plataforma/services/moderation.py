"""Session moderation settings (SPEC §15): chat / questions on or off, slow mode, blocked terms,
question moderation, anonymous questions; and the checks chat and Q&A run before accepting input.

Blocked terms match as whole words (or whole phrases), case-insensitively and accent-insensitively,
after Unicode NFKC (full-width letters, ligatures and combining accents all fold to plain letters).
Each distinct list of terms is compiled into one regular expression once (an LRU cache keyed by the
terms): a message costs one normalisation and one search, however many terms the session blocks.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from plataforma.errors import Forbidden, ValidationFailed
from plataforma.extensions import db
from plataforma.models import EventSession, Profile
from plataforma.schemas.moderation import SessionSettingsSchema
from plataforma.services import audit, events, flood
from plataforma.services.visibility import require_staff, visible_session

settings_schema = SessionSettingsSchema()


# ---------------------------------------------------------------- blocked terms


def normalise(text: str) -> str:
    """NFKC, case-folded, accents (combining marks) removed: ``"Ｃａｆé"`` -> ``"cafe"``."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(char for char in decomposed if not unicodedata.combining(char)))


@functools.lru_cache(maxsize=1024)
def blocked_pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    """One compiled alternation for a session's terms (None when there are none). A term of several
    words matches them separated by any run of spaces; longer terms are tried first."""
    phrases = {tuple(normalise(term).split()) for term in terms}
    phrases.discard(())
    if not phrases:
        return None
    alternatives = [r"\s+".join(map(re.escape, words)) for words in sorted(phrases, key=lambda w: -len(" ".join(w)))]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def contains_blocked_term(text: str, terms) -> bool:
    if not terms:
        return False
    pattern = blocked_pattern(tuple(terms))
    return pattern is not None and pattern.search(normalise(text)) is not None


def check_blocked_terms(session: EventSession, text: str) -> None:
    """400 ``blocked_term``; the answer never repeats the term."""
    if contains_blocked_term(text, session.blocked_terms):
        raise ValidationFailed(
            "The text contains a term that is not allowed in this session.",
            code="blocked_term",
            fields={"text": ["Contains a blocked term."]},
        )


# ---------------------------------------------------------------- checks before input is accepted


def check_chat(actor: Profile, session: EventSession) -> None:
    """403 ``chat_disabled`` when the session's chat is off; moderators are exempt."""
    if actor.is_moderator:
        return
    if not session.chat_enabled:
        raise Forbidden("Chat is turned off in this session.", code="chat_disabled")


def check_slow_mode(actor: Profile, session: EventSession) -> None:
    """429 ``slow_mode`` (with Retry-After) for a second message within the session's slow-mode
    seconds, shared by REST and sockets (Redis across processes); moderators are exempt."""
    if actor.is_moderator or not session.slow_mode_seconds:
        return
    flood.check_slow_mode(actor.id, session.id, session.slow_mode_seconds)


def check_questions(actor: Profile, session: EventSession, anonymous: bool) -> None:
    """Questions off (403 ``questions_disabled``; moderators exempt); ``anonymous`` only where allowed (400)."""
    if not session.questions_enabled and not actor.is_moderator:
        raise Forbidden("Questions are turned off in this session.", code="questions_disabled")
    if anonymous and not session.anonymous_questions:
        raise ValidationFailed(
            "This session does not take anonymous questions.",
            fields={"anonymous": ["Anonymous questions are not allowed in this session."]},
        )


# ---------------------------------------------------------------- settings


def settings_payload(session: EventSession) -> dict:
    return settings_schema.dump(session.settings)


def get_settings(actor: Profile, session_id) -> EventSession:
    return visible_session(actor, session_id)


def update_settings(actor: Profile, session_id, changes: dict) -> EventSession:
    """Change some settings (moderator+); a real change queues ``session_settings`` and an audit entry."""
    require_staff(actor, "Only moderators can change a session's settings.")
    session = visible_session(actor, session_id)
    changed = {key: value for key, value in changes.items() if getattr(session, key) != value}
    for key, value in changed.items():
        setattr(session, key, value)
    db.session.flush()
    if changed:
        events.session_settings(session.id, settings_payload(session))
        audit.record(
            actor,
            session.event_id,
            session.id,
            "session.settings",
            "session",
            session.id,
            {key: value for key, value in settings_schema.dump(changed).items()},
        )
    return session
