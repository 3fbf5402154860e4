"""Analytics (SPEC §13): session and event figures and the viewers list (moderator+)."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import moderator_required
from plataforma.schemas.analytics import (
    AnalyticsArgs,
    EventAnalyticsSchema,
    SessionAnalyticsSchema,
    ViewersArgs,
    ViewerSchema,
)
from plataforma.services import analytics as service

blp = Blueprint("analytics", __name__, url_prefix="/api", description="Analytics (moderator+)")


@blp.route("/sessions/<session_id>/analytics", methods=["GET"])
@moderator_required
@blp.arguments(AnalyticsArgs, location="query")
@blp.response(200, SessionAnalyticsSchema)
def session_analytics(args, session_id):
    """Views, viewers, watch time, peak, retention, timeline (`bucket=hour|minute`), engagement, products."""
    return service.session_analytics(current_user, session_id, bucket=args["bucket"])


@blp.route("/sessions/<session_id>/viewers", methods=["GET"])
@moderator_required
@blp.arguments(ViewersArgs, location="query")
@blp.response(200, ViewerSchema(many=True))
def session_viewers(args, session_id):
    """Each viewer once with first join, last leave and watch time, longest watchers first (`live` filters)."""
    return service.viewers(current_user, session_id, live=args.get("live"), limit=args["limit"], offset=args["offset"])


@blp.route("/events/<event_id>/analytics", methods=["GET"])
@moderator_required
@blp.response(200, EventAnalyticsSchema)
def event_analytics(event_id):
    """The event's viewers, peak and watch time, each session's figures and the top 10 attendees."""
    return service.event_analytics(current_user, event_id)
