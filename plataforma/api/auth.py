"""/api/auth: sign-up, sign-in, token refresh, sign-out, me."""

from __future__ import annotations

from flask_jwt_extended import current_user, get_jwt
from flask_smorest import Blueprint

from plataforma.auth import login_required
from plataforma.schemas.accounts import (
    AuthResponseSchema,
    GuestAuthResponseSchema,
    GuestSignInSchema,
    MeSchema,
    RefreshResponseSchema,
    RefreshSchema,
    SignInSchema,
    SignOutSchema,
    SignUpSchema,
)
from plataforma.services import accounts, commit

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and tokens")

PUBLIC = [{}]


def _auth_payload(profile, session=None) -> dict:
    payload = {"user": {"id": profile.id, "email": profile.email}, "profile": profile}
    if session is not None:
        payload["session"] = session
    return payload


@blp.route("/signup", methods=["POST"])
@blp.arguments(SignUpSchema)
@blp.response(201, AuthResponseSchema)
@blp.alt_response(409, description="The email is already registered")
@blp.doc(security=PUBLIC)
def signup(data):
    """Create an attendee account and sign it in."""
    profile, session = accounts.sign_up(data)
    commit()
    return _auth_payload(profile, session)


@blp.route("/signin", methods=["POST"])
@blp.arguments(SignInSchema)
@blp.response(200, AuthResponseSchema)
@blp.alt_response(401, description="Unknown email or wrong password")
@blp.doc(security=PUBLIC)
def signin(data):
    """Sign in with email and password."""
    profile, session = accounts.sign_in(data["email"], data["password"])
    commit()
    return _auth_payload(profile, session)


@blp.route("/refresh", methods=["POST"])
@blp.arguments(RefreshSchema)
@blp.response(200, RefreshResponseSchema)
@blp.alt_response(401, description="The refresh token is invalid, expired or already used")
@blp.doc(security=PUBLIC)
def refresh(data):
    """Trade a refresh token for a new token pair; the old refresh token dies."""
    session = accounts.refresh_session(data["refresh_token"])
    commit()
    return {"session": session}


@blp.route("/guest", methods=["POST"])
@blp.arguments(GuestSignInSchema)
@blp.response(201, GuestAuthResponseSchema)
@blp.alt_response(404, description="No such event, or it does not allow guests")
@blp.doc(security=PUBLIC)
def guest(data):
    """A guest token for one event that allows guests: 4 hours, no refresh token, no profile (SPEC §12)."""
    return {"session": accounts.start_guest_session(data["event_id"])}


@blp.route("/signout", methods=["POST"])
@login_required(guests=True)
@blp.arguments(SignOutSchema, required=False)
@blp.response(204)
def signout(data):
    """Revoke the access token (and the refresh token, if given)."""
    accounts.sign_out(current_user, get_jwt(), (data or {}).get("refresh_token"))
    commit()


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@login_required(guests=True)
def me():
    """The signed-in user and their profile; a guest: ``{user: {id, role: "GUEST"}, profile: null}``."""
    if current_user.is_guest:
        return {"user": {"id": current_user.id, "role": current_user.role.value}, "profile": None}
    return _auth_payload(current_user)
