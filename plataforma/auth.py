"""REST authentication: Flask-JWT-Extended wiring, the current user, role checks.

The token rules themselves (issue, verify, revoke, still good?) live in
``plataforma.services.tokens``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask_jwt_extended import current_user, verify_jwt_in_request

from plataforma.errors import Forbidden, GuestNotAllowed, _render
from plataforma.extensions import jwt
from plataforma.models import Role
from plataforma.services import accounts, commit, tokens


def _unauthorized(message: str, code: str = "unauthorized"):
    return _render(401, code, message)


def _lookup_user(_header, claims):
    profile = accounts.user_for_claims(claims)
    if profile is not None and tokens.is_supabase(claims):
        commit()  # the first use of a Supabase token provisions its profile
    return profile


def init_app(app) -> None:
    jwt.decode_key_loader(lambda _header, claims: tokens.signing_key(claims))
    jwt.token_in_blocklist_loader(lambda _header, claims: tokens.is_revoked(claims))
    jwt.user_lookup_loader(_lookup_user)
    jwt.unauthorized_loader(lambda reason: _unauthorized("Authentication required: send a bearer token."))
    jwt.invalid_token_loader(lambda reason: _unauthorized("The token is invalid.", "invalid_token"))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("The token has expired.", "token_expired"))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("The token has been revoked.", "token_revoked"))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("The token's user no longer exists.", "invalid_token"))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("A fresh token is required.", "invalid_token"))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("The token is invalid.", "invalid_token"))


def login_required(fn=None, *, guests: bool = False):
    """Require a valid, unrevoked access token whose user exists.

    A GUEST token (SPEC §12) passes only routes on the guests' allow-list, declared
    ``@login_required(guests=True)``; every other route answers it 403 ``guest_not_allowed``, so a
    route added later is closed to guests unless it says otherwise.
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            if current_user.is_guest and not guests:
                raise GuestNotAllowed()
            return fn(*args, **kwargs)

        wrapper.guests_allowed = guests
        return wrapper

    return decorator(fn) if fn is not None else decorator


def role_required(allowed: Callable[[Role], bool]):
    """Require a role for which ``allowed(role)`` holds (a ``Role`` property); 401 without a token,
    403 with the wrong role (``guest_not_allowed`` for a guest)."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            if current_user.is_guest:
                raise GuestNotAllowed()
            if not allowed(current_user.role):
                raise Forbidden("You do not have permission to do this.")
            return fn(*args, **kwargs)

        return wrapper

    return decorator


moderator_required = role_required(lambda role: role.is_staff)
admin_required = role_required(lambda role: role.is_admin)
