"""Dashboard sign-in: a signed cookie session for MODERATOR and ADMIN accounts.

The cookie holds only the user id and the sign-in time. The profile is loaded
again on every request, so a moderator who is demoted (or deleted) is signed out
on their next click; a sign-in older than ``PERMANENT_SESSION_LIFETIME`` is over.
"""

from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError

from plataforma.errors import AppError, Unauthorized
from plataforma.extensions import csrf, db, limiter
from plataforma.models import Profile, utcnow
from plataforma.moderator import bp
from plataforma.moderator.helpers import json_error, safe_next, wants_json
from plataforma.schemas.accounts import SignInSchema
from plataforma.services import accounts, commit
from plataforma.values import as_uuid

USER_KEY = "moderator_user_id"
SIGNED_IN_AT_KEY = "moderator_signed_in_at"
PUBLIC_ENDPOINTS = {"moderator.login"}

NOT_A_MODERATOR = (
    "This dashboard is for moderators and admins. Your account is an attendee account: "
    "join sessions from the Plataforma Live app instead."
)
LOST_ACCESS = "Your account no longer has moderator access. You have been signed out."
EXPIRED = "Your sign-in has expired. Sign in again to continue."
SIGN_IN_FIRST = "Sign in to continue."
CSRF_FAILED = (
    "The form was not accepted: its security token is missing, invalid or has expired. "
    "Go back, reload the page and try again."
)
TOO_MANY = "Too many sign-in attempts from your network. Wait a few minutes and try again."

sign_in_schema = SignInSchema()


def _signed_in_profile() -> tuple[Profile | None, str | None]:
    """The profile behind the cookie, or (None, why the sign-in is no longer valid)."""
    raw_id = session.get(USER_KEY)
    if not raw_id:
        return None, SIGN_IN_FIRST
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if not isinstance(signed_in_at, int | float) or time.time() - signed_in_at > lifetime:
        return None, EXPIRED
    user_id = as_uuid(raw_id)
    profile = db.session.get(Profile, user_id) if user_id else None
    if profile is None:
        return None, EXPIRED
    if not profile.is_moderator:
        return None, LOST_ACCESS
    return profile, None


@bp.before_request
def require_moderator():
    """Every page but the login form needs a signed-in moderator or admin."""
    g.moderator = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    profile, reason = _signed_in_profile()
    if profile is not None:
        g.moderator = profile
        return None
    had_login = USER_KEY in session
    session.clear()
    if wants_json():
        return json_error(401, "unauthorized", reason)
    if had_login or request.method == "GET":
        flash(reason, "error" if had_login else "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("moderator.login", next=safe_next(target)), 303)


@bp.before_request
def check_csrf():
    """Every dashboard form posts a ``csrf_token`` (the JSON API uses bearer tokens instead)."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


@bp.after_request
def no_store(response):
    # Pages show live moderation state and carry a socket token: never cache them.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(CSRFError)
def csrf_failed(_error):
    if wants_json():
        return json_error(400, "csrf_failed", CSRF_FAILED)
    if request.endpoint == "moderator.login":
        return _login_page(CSRF_FAILED, 400)
    return render_template("error.html", status=400, title="Form expired", message=CSRF_FAILED), 400


@bp.errorhandler(RateLimitExceeded)
def rate_limited(_error):
    if wants_json():
        return json_error(429, "rate_limited", TOO_MANY)
    return _login_page(TOO_MANY, 429)


@bp.errorhandler(AppError)
def app_error(error: AppError):
    db.session.rollback()
    if wants_json():
        return json_error(error.status, error.code, error.message, error.fields)
    return render_template("error.html", status=error.status, message=error.message), error.status


def _login_page(error: str | None = None, status: int = 200, email: str = ""):
    next_url = safe_next(request.values.get("next"))
    return render_template("moderator/login.html", error=error, email=email, next_url=next_url), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(lambda: current_app.config["AUTH_RATE_LIMIT"], scope="auth", methods=["POST"])
def login():
    """Sign in with email and password (moderators and admins only)."""
    if request.method == "GET":
        profile, _ = _signed_in_profile()
        if profile is not None:
            return redirect(safe_next(request.args.get("next")) or url_for("moderator.index"), 303)
        return _login_page()

    email = request.form.get("email", "")
    try:
        data = sign_in_schema.load({"email": email, "password": request.form.get("password", "")})
    except ValidationError:
        return _login_page("Enter your email address and password.", 400, email)
    try:
        profile = accounts.authenticate(data["email"], data["password"])
    except Unauthorized as exc:
        db.session.rollback()
        return _login_page(exc.message, 401, email)
    if not profile.is_moderator:
        db.session.rollback()
        return _login_page(NOT_A_MODERATOR, 403, email)

    profile.last_login_at = utcnow()
    commit()
    session.clear()  # no state from before the sign-in survives it (session fixation)
    session[USER_KEY] = str(profile.id)
    session[SIGNED_IN_AT_KEY] = int(time.time())
    session.permanent = True
    flash(f"Signed in as {profile.name}.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("moderator.index"), 303)


@bp.post("/logout")
def logout():
    """Forget the sign-in cookie."""
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("moderator.login"), 303)
