"""/api/profiles: read any profile, change your own (admins: anyone's)."""

from __future__ import annotations

from flask import jsonify
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required
from plataforma.models import Profile
from plataforma.schemas.accounts import ProfileSchema, ProfileWithEmailSchema
from plataforma.services import accounts, commit, get_or_404

blp = Blueprint("profiles", __name__, url_prefix="/api/profiles", description="User profiles")

profile_schema = ProfileSchema()
private_profile_schema = ProfileWithEmailSchema()


def _dump(profile: Profile):
    """Emails are shown to their owner and to admins only (a Response: smorest passes it through)."""
    if profile.id == current_user.id or current_user.is_admin:
        return jsonify(private_profile_schema.dump(profile))
    return jsonify(profile_schema.dump(profile))


@blp.route("/<profile_id>", methods=["GET"])
@blp.response(200, ProfileWithEmailSchema)
@login_required
def get_profile(profile_id):
    """A profile (with email for yourself and for admins)."""
    return _dump(get_or_404(Profile, profile_id, "profile"))


@blp.route("/<profile_id>", methods=["PATCH"])
@login_required
@blp.arguments(ProfileSchema(partial=True))
@blp.response(200, ProfileWithEmailSchema)
@blp.alt_response(409, description="The last admin cannot be demoted (`last_admin`)")
def update_profile(changes, profile_id):
    """Change your own profile; admins change anyone's, and only admins change roles."""
    profile = accounts.update_profile(current_user, profile_id, changes)
    commit()
    return _dump(profile)
