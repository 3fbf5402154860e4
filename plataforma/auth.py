"""Bearer tokens: issuing, verifying, revoking; the current user; role checks."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from functools import wraps

from flask import current_app
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_jwt,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Forbidden, Unauthorized, _render
from plataforma.extensions import db, jwt
from plataforma.models import Profile, RevokedToken, Role


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


def decode_any_token(token: str) -> dict:
    """Decode and verify a token (signature, expiry, audience); Unauthorized if it is not valid."""
    try:
        return decode_token(token)
    except (JWTExtendedException, PyJWTError) as exc:
        raise Unauthorized("The token is invalid or expired.", code="invalid_token") from exc


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
    if db.session.get(RevokedToken, jti) is not None:
        return False
    token = RevokedToken(jti=jti, token_type=claims.get("type", "access"), user_id=_user_id(claims), expires_at=exp)
    try:
        # A savepoint, so losing a race with a concurrent revocation is just "False".
        with db.session.begin_nested():
            db.session.add(token)
    except IntegrityError:
        return False
    return True


def _user_id(claims: dict) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(claims.get("sub")))
    except ValueError:
        return None


def is_revoked(claims: dict) -> bool:
    return db.session.get(RevokedToken, revocation_id(claims)) is not None


def load_user(claims: dict) -> Profile | None:
    user_id = _user_id(claims)
    if user_id is None:
        return None
    profile = db.session.get(Profile, user_id)
    if profile is None and claims.get("iss", "").endswith("/auth/v1"):
        from plataforma.services.accounts import provision_supabase_user

        profile = provision_supabase_user(user_id, claims)
    return profile


def _unauthorized(message: str, code: str = "unauthorized"):
    return _render(401, code, message)


def init_app(app) -> None:
    @jwt.decode_key_loader
    def decode_key(_header, payload):
        # Tokens issued by a Supabase project carry its issuer; verify them with its secret.
        secret = current_app.config.get("SUPABASE_JWT_SECRET")
        if secret and str(payload.get("iss", "")).endswith("/auth/v1"):
            return secret
        return current_app.config["JWT_SECRET_KEY"]

    @jwt.token_in_blocklist_loader
    def check_revoked(_header, payload) -> bool:
        return is_revoked(payload)

    @jwt.user_lookup_loader
    def lookup(_header, payload):
        return load_user(payload)

    jwt.unauthorized_loader(lambda reason: _unauthorized("Authentication required: send a bearer token."))
    jwt.invalid_token_loader(lambda reason: _unauthorized("The token is invalid.", "invalid_token"))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("The token has expired.", "token_expired"))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("The token has been revoked.", "token_revoked"))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("The token's user no longer exists.", "invalid_token"))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("A fresh token is required.", "invalid_token"))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("The token is invalid.", "invalid_token"))


def login_required(fn):
    """Require a valid, unrevoked access token whose user exists."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        verify_jwt_in_request()
        return fn(*args, **kwargs)

    return wrapper


def roles_required(*roles: Role):
    """Require one of ``roles``; 401 without a token, 403 with the wrong role."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            if current_user.role not in roles:
                raise Forbidden("You do not have permission to do this.")
            return fn(*args, **kwargs)

        return wrapper

    return decorator


moderator_required = roles_required(Role.MODERATOR, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def current_claims() -> dict:
    return get_jwt()
