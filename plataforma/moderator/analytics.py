"""Dashboard analytics page of a session: figures, a server-rendered SVG chart, retention, products, exports."""

from __future__ import annotations

from flask import render_template, request

from plataforma.moderator import bp
from plataforma.moderator.charts import viewers_chart
from plataforma.moderator.helpers import current_moderator
from plataforma.responses import csv_response
from plataforma.services import analytics, exports
from plataforma.services.visibility import visible_session

TOP_PRODUCTS = 10


@bp.get("/sessions/<session_id>/analytics")
def session_analytics(session_id):
    """The analytics page (``?bucket=minute`` for a minute timeline)."""
    actor = current_moderator()
    bucket = "minute" if request.args.get("bucket") == "minute" else "hour"
    session = visible_session(actor, session_id)
    figures = analytics.session_analytics(actor, session.id, bucket=bucket)
    return render_template(
        "moderator/analytics.html",
        session=session,
        event=session.event,
        figures=figures,
        bucket=bucket,
        chart=viewers_chart(figures["timeline"]),
        products=figures["products"][:TOP_PRODUCTS],
        export_kinds=list(exports.SESSION_EXPORTS),
    )


@bp.get("/sessions/<session_id>/export/<kind>.csv")
def session_export(session_id, kind):
    """The session's CSV exports for the cookie-signed-in dashboard (the API needs a bearer token)."""
    return csv_response(*exports.session_export(current_moderator(), session_id, kind))


@bp.get("/events/<event_id>/export/<kind>.csv")
def event_export(event_id, kind):
    return csv_response(*exports.event_export(current_moderator(), event_id, kind))
