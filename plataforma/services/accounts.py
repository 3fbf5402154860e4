"""Accounts: sign-up, sign-in, token rotation, sign-out, profiles, user creation."""

from __future__ import annotations

import uuid
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Conflict, Forbidden, NotFound, Unauthorized
from plataforma.extensions import db
from plataforma.models import Credential, Event, Guest, Profile, Role, utcnow
from plataforma.schemas.base import clean_text
from plataforma.services import get_or_404, parse_uuid, tokens
from plataforma.services.visibility import published_events

BAD_CREDENTIALS = "Invalid email or password."


@lru_cache(maxsize=2)
def _hasher(cheap: bool) -> PasswordHasher:
    # Argon2id with RFC 9106's low-memory profile; tests use the cheapest one.
    return PasswordHasher.from_parameters(profiles.CHEAPEST if cheap else profiles.RFC_9106_LOW_MEMORY)


def _cheap() -> bool:
    return bool(current_app.config.get("FAST_PASSWORD_HASH"))


def password_hasher() -> PasswordHasher:
    return _hasher(_cheap())


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _find_credential(email: str) -> Credential | None:
    return db.session.scalar(select(Credential).where(Credential.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    password: str | None,
    name: str,
    role: Role = Role.ATTENDEE,
    company: str | None = None,
    title: str | None = None,
) -> Profile:
    """Create credentials and their profile; 409 if the email is taken."""
    email = normalise_email(email)
    credential = Credential(
        id=uuid.uuid4(),
        email=email,
        password_hash=password_hasher().hash(password) if password else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(credential)
            db.session.flush()
    except IntegrityError:
        raise Conflict("An account with this email already exists.", code="email_taken") from None
    # On PostgreSQL a trigger may already have created the profile row (issue: one
    # profile per user whichever path created it); fill it in rather than insert twice.
    profile = db.session.get(Profile, credential.id, populate_existing=True)
    if profile is None:
        profile = Profile(id=credential.id)
        db.session.add(profile)
    profile.name = clean_text(name) or email.split("@")[0]
    profile.role = role
    profile.company = company
    profile.title = title
    profile.credential = credential
    db.session.flush()
    return profile


def sign_up(data: dict) -> tuple[Profile, dict]:
    profile = create_user(
        email=data["email"],
        password=data["password"],
        name=data["name"],
        company=data.get("company"),
        title=data.get("title"),
    )
    profile.last_login_at = utcnow()
    return profile, tokens.issue_session(profile)


def authenticate(email: str, password: str) -> Profile:
    """The profile for these credentials; the same 401 for unknown email and wrong password."""
    credential = _find_credential(email)
    hasher = password_hasher()
    if credential is None or not credential.password_hash:
        # Spend the same time as a real check so response times don't reveal accounts.
        _verify(hasher, _dummy_hash(_cheap()), password)
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    if not _verify(hasher, credential.password_hash, password):
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    if hasher.check_needs_rehash(credential.password_hash):
        credential.password_hash = hasher.hash(password)
    return credential.profile


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=2)
def _dummy_hash(cheap: bool) -> str:
    return _hasher(cheap).hash("not-a-real-password")


def sign_in(email: str, password: str) -> tuple[Profile, dict]:
    profile = authenticate(email, password)
    profile.last_login_at = utcnow()
    return profile, tokens.issue_session(profile)


def refresh_session(refresh_token: str) -> dict:
    """Rotate: the presented refresh token dies, a new pair is issued."""
    claims = tokens.decode(refresh_token, "refresh")
    user_id = tokens.user_id(claims)
    profile = db.session.get(Profile, user_id) if user_id else None
    if profile is None or not tokens.revoke(claims):
        raise Unauthorized("The refresh token has been used or revoked.", code="token_revoked")
    return tokens.issue_session(profile)


def sign_out(profile: Profile, access_claims: dict, refresh_token: str | None) -> None:
    tokens.revoke(access_claims)
    if refresh_token:
        try:
            claims = tokens.decode(refresh_token, "refresh")
        except Unauthorized:
            return  # an invalid refresh token is already useless
        if claims.get("sub") == str(profile.id):
            tokens.revoke(claims)


def update_profile(actor: Profile, profile_id, changes: dict) -> Profile:
    """Own profile only (admins: anyone); only admins change roles."""
    profile = get_or_404(Profile, profile_id, "profile")
    if profile.id != actor.id and not actor.is_admin:
        raise Forbidden("You can only change your own profile.")
    if "role" in changes and changes["role"] != profile.role:
        if not actor.is_admin:
            raise Forbidden("Only an admin can change roles.")
        if profile.is_admin and _admin_count() <= 1:
            raise Conflict("The last admin cannot lose the admin role.", code="last_admin")
    for key, value in changes.items():
        setattr(profile, key, value)
    db.session.flush()
    return profile


def _admin_count() -> int:
    """Admins, counted with their rows locked (PostgreSQL) so that two admins demoting each
    other at once are serialised and the second sees only one admin left."""
    admins = select(Profile.id).where(Profile.role == Role.ADMIN).with_for_update()
    return len(db.session.scalars(admins).all())


def start_guest_session(event_id) -> dict:
    """A GUEST session for an event that allows guests (SPEC §12); 404 for any other event (or one
    in a DRAFT project), as if it did not exist. Nothing is stored: the guest is its token."""
    event_id = parse_uuid(event_id, "event")
    query = published_events(select(Event.id).where(Event.id == event_id, Event.allow_guests.is_(True)), None)
    if db.session.scalar(query) is None:
        raise NotFound("Event not found.")
    return tokens.issue_guest_session(Guest(id=uuid.uuid4(), event_id=event_id))


def user_for_claims(claims: dict) -> Profile | Guest | None:
    """Who a verified token speaks for: a guest (a GUEST token), or a profile; a Supabase user seen
    for the first time is provisioned (flushed: the caller commits). None when there is no such user."""
    guest = tokens.guest_of(claims)
    if guest is not None:
        return guest
    user_id = tokens.user_id(claims)
    if user_id is None:
        return None
    profile = db.session.get(Profile, user_id)
    if profile is None and tokens.is_supabase(claims):
        profile = provision_supabase_user(user_id, claims)
    return profile


def profile_view(viewer: Profile, profile: Profile) -> str:
    """Which ``ProfileSchema`` view ``viewer`` gets of ``profile``: emails go to their owner and admins."""
    return "private" if viewer.id == profile.id or viewer.is_admin else "public"


def provision_supabase_user(user_id: uuid.UUID, claims: dict) -> Profile | None:
    """First sight of a user authenticated by Supabase: give them credentials and a profile
    (flushed, not committed). None when the email is already used by a local account."""
    email = normalise_email(str(claims.get("email") or f"{user_id}@supabase.invalid"))
    metadata = claims.get("user_metadata") or {}
    credential = Credential(id=user_id, email=email, password_hash=None)
    try:
        with db.session.begin_nested():
            db.session.add(credential)
            db.session.flush()
            profile = db.session.get(Profile, user_id, populate_existing=True) or Profile(id=user_id)
            profile.name = clean_text(str(metadata.get("name") or email.split("@")[0]))[:120]
            profile.role = Role.ATTENDEE
            profile.credential = credential
            db.session.add(profile)
            db.session.flush()
    except IntegrityError:
        return None  # email already used by a local account: refuse the token
    return profile
