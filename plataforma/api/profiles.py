"""/api/profiles: read any profile, change your own (admins: anyone's)."""

from __future__ import annotations

from flask import jsonify
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required
from plataforma.models import Profile
from plataforma.schemas.accounts import ProfileSchema, ProfileUpdateSchema
from plataforma.services import accounts, commit, get_or_404

blp = Blueprint("profiles", __name__, url_prefix="/api/profiles", description="User profiles")

profile_views = {view: ProfileSchema(view=view) for view in ProfileSchema.views}


def _dump(profile: Profile):
    """The view this caller gets (a Response: smorest passes it through)."""
    return jsonify(profile_views[accounts.profile_view(current_user, profile)].dump(profile))


@blp.route("/<profile_id>", methods=["GET"])
@blp.response(200, ProfileSchema)
@login_required
def get_profile(profile_id):
    """A profile (with email for yourself and for admins)."""
    return _dump(get_or_404(Profile, profile_id, "profile"))


@blp.route("/<profile_id>", methods=["PATCH"])
@login_required
@blp.arguments(ProfileUpdateSchema(partial=True))
@blp.response(200, ProfileSchema)
@blp.alt_response(409, description="The last admin cannot be demoted (`last_admin`)")
def update_profile(changes, profile_id):
    """Change your own profile; admins change anyone's, and only admins change roles."""
    profile = accounts.update_profile(current_user, profile_id, changes)
    commit()
    return _dump(profile)
