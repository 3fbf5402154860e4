"""Search and discovery (SPEC §14)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import login_required
from plataforma.schemas.search import DiscoverSchema, SearchArgs, SearchResultSchema
from plataforma.services import search as service

blp = Blueprint("search", __name__, url_prefix="/api", description="Search and discovery")


@blp.route("/search", methods=["GET"])
@login_required
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchResultSchema)
def search(args):
    """Events, sessions and products whose words start with every word of `q` (accents and case ignored)."""
    q = args.pop("q")
    return service.search(current_user, q, **args)


@blp.route("/discover", methods=["GET"])
@login_required
@blp.response(200, DiscoverSchema)
def discover():
    """Live events (latest start first), upcoming ones (soonest first) and trending ones, 10 each."""
    return service.discover(current_user)
