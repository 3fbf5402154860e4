"""Bearer tokens, in one place: issue, decode and verify, revoke, and "is this token still good".

Used by REST auth (``plataforma.auth`` wires these into Flask-JWT-Extended), Socket.IO
connections (``realtime.guard``), the dashboard's socket token, housekeeping (the token
sweep of open sockets) and the rate-limit key. Tokens are ours (HS256 with
``JWT_SECRET_KEY``) or, when ``SUPABASE_JWT_SECRET`` is set, issued by a Supabase project.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import ExpiredSignatureError, MissingRequiredClaimError, PyJWTError
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Unauthorized
from plataforma.extensions import db
from plataforma.models import Guest, Profile, RevokedToken, utcnow
from plataforma.values import as_uuid

SUPABASE_ISSUER_SUFFIX = "/auth/v1"
# A GUEST token (SPEC §12) carries the one event it is good for; it lives 4 hours and has no refresh token.
GUEST_EVENT_CLAIM = "guest_event"
GUEST_LIFETIME = timedelta(hours=4)
EXPIRED = "token_expired"
REVOKED = "token_revoked"
_WRONG_TYPE = {"access": "An access token is required.", "refresh": "A refresh token is required."}


class TokenExpired(Unauthorized):
    code = EXPIRED


# ---------------------------------------------------------------- issue


def issue_session(profile: Profile) -> dict:
    """A Supabase-shaped session object: access + refresh token pair."""
    identity = str(profile.id)
    access = create_access_token(identity=identity, additional_claims={"role": "authenticated"})
    refresh = create_refresh_token(identity=identity, additional_claims={"role": "authenticated"})
    expires_in = int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": expires_in,
        "expires_at": int(datetime.now(UTC).timestamp()) + expires_in,
    }


def issue_guest_session(guest: Guest) -> dict:
    """A guest's session object: an access token only (no refresh token), good for one event."""
    claims = {"role": "guest", GUEST_EVENT_CLAIM: str(guest.event_id)}
    access = create_access_token(identity=str(guest.id), additional_claims=claims, expires_delta=GUEST_LIFETIME)
    expires_in = int(GUEST_LIFETIME.total_seconds())
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": expires_in,
        "expires_at": int(datetime.now(UTC).timestamp()) + expires_in,
    }


def guest_of(claims: dict) -> Guest | None:
    """The guest a verified token speaks for, or None when it is not a GUEST token (only our own
    tokens can be: a Supabase project's never are)."""
    event = claims.get(GUEST_EVENT_CLAIM)
    if event is None or is_supabase(claims):
        return None
    guest_id, event_id = as_uuid(claims.get("sub")), as_uuid(event)
    if guest_id is None or event_id is None:
        return None
    return Guest(id=guest_id, event_id=event_id)


def issue_access_token(profile: Profile, lifetime: timedelta) -> str:
    """A lone access token living ``lifetime`` (the dashboard's Socket.IO token)."""
    return create_access_token(
        identity=str(profile.id), additional_claims={"role": "authenticated"}, expires_delta=lifetime
    )


# ---------------------------------------------------------------- decode and verify


def is_supabase(claims: dict) -> bool:
    """Issued by a Supabase project (its issuer ends in ``/auth/v1``)."""
    return str(claims.get("iss", "")).endswith(SUPABASE_ISSUER_SUFFIX)


def signing_key(claims: dict) -> str:
    """The secret a token is verified with: the Supabase project's for its tokens, else ours.

    Every decode asks for it, so it also refuses a token without a numeric ``exp`` (PyJWT checks
    the expiry only when the claim is present; such a token would never expire)."""
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise MissingRequiredClaimError("exp")
    secret = current_app.config.get("SUPABASE_JWT_SECRET")
    if secret and is_supabase(claims):
        return secret
    return current_app.config["JWT_SECRET_KEY"]


def decode(token: str, token_type: str | None = None) -> dict:
    """The claims of a token whose signature, expiry and audience (and type, if given) hold.

    TokenExpired (``token_expired``) when it has expired, Unauthorized (``invalid_token``)
    when it is not valid otherwise. Revocation is not checked here: see :func:`still_good`.
    """
    try:
        claims = decode_token(token)
    except ExpiredSignatureError:
        raise TokenExpired("The token has expired.") from None
    except (JWTExtendedException, PyJWTError, ValueError, TypeError):
        raise Unauthorized("The token is invalid.", code="invalid_token") from None
    if token_type is not None and claims.get("type", "access") != token_type:
        raise Unauthorized(_WRONG_TYPE[token_type], code="invalid_token")
    return claims


def subject_or_none(token: str) -> str | None:
    """The user id of a valid token, or None (the rate-limit key of a request)."""
    try:
        sub = decode(token).get("sub")
    except Unauthorized:
        return None
    return None if sub is None else str(sub)


def user_id(claims: dict) -> uuid.UUID | None:
    """The token's user id, or None when ``sub`` is not a UUID."""
    return as_uuid(claims.get("sub"))


# ---------------------------------------------------------------- revocation


def revocation_id(claims: dict) -> str:
    """The key a token is revoked under: its ``jti``; Supabase access tokens carry none, so
    for them a digest of the claims that identify the token (issuer, user, session, times)."""
    if claims.get("jti"):
        return str(claims["jti"])
    parts = [str(claims.get(k, "")) for k in ("iss", "sub", "session_id", "iat", "exp")]
    return "sb:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:60]


def revoke(claims: dict) -> bool:
    """Record a token as revoked until it expires. False if it already was (rotation race)."""
    jti = revocation_id(claims)
    exp = datetime.fromtimestamp(claims["exp"], tz=UTC)
    if _is_revoked_id(jti):
        return False
    owner = None if guest_of(claims) else user_id(claims)  # a guest has no profile row to point at
    token = RevokedToken(jti=jti, token_type=claims.get("type", "access"), user_id=owner, expires_at=exp)
    try:
        # A savepoint, so losing a race with a concurrent revocation is just "False".
        with db.session.begin_nested():
            db.session.add(token)
    except IntegrityError:
        return False
    return True


def is_revoked(claims: dict) -> bool:
    return _is_revoked_id(revocation_id(claims))


_REVOKED = sa.select(RevokedToken.__table__.c.jti).where(RevokedToken.__table__.c.jti == sa.bindparam("jti"))


def _is_revoked_id(jti: str) -> bool:
    """One Core query, no entity: every connection and request asks, and the answer is nearly always no
    (``Session.get`` built and ran an ORM load for that: 170 against 74 µs of CPU per check on PostgreSQL)."""
    return db.session.execute(_REVOKED, {"jti": jti}).first() is not None


def revoked_ids(ids: Iterable[str], batch: int = 500) -> set[str]:
    """Which of these revocation ids are revoked (one query per ``batch`` ids)."""
    ids = list(ids)
    revoked: set[str] = set()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        revoked.update(db.session.scalars(sa.select(RevokedToken.jti).where(RevokedToken.jti.in_(chunk))))
    return revoked


def prune_expired() -> int:
    """Forget revoked tokens that have expired anyway; returns how many."""
    return db.session.execute(sa.delete(RevokedToken).where(RevokedToken.expires_at < utcnow())).rowcount


# ---------------------------------------------------------------- still good?


def is_expired(expires_at: float | None, now: float | None = None) -> bool:
    return expires_at is not None and (now or time.time()) >= expires_at


def still_good(jti: str | None, expires_at: float | None, now: float | None = None) -> str | None:
    """None while a verified token still holds; else why not: ``token_expired`` or ``token_revoked``."""
    if is_expired(expires_at, now):
        return EXPIRED
    if jti and _is_revoked_id(jti):
        return REVOKED
    return None
