"""The moderator dashboard (SPEC §8): server-rendered pages at ``/moderator``.

Cookie login for moderators and admins; every POST carries a CSRF token; every
action calls the same services as the JSON API, so Socket.IO clients see the
same events whichever door a change came through.
"""

from __future__ import annotations

from flask import Blueprint

from plataforma import limits
from plataforma.moderator.helpers import duration, iso_utc, long_datetime, short_time

bp = Blueprint("moderator", __name__, url_prefix="/moderator")


@bp.record_once
def _template_filters(state) -> None:
    state.app.add_template_filter(iso_utc, "iso_utc")
    state.app.add_template_filter(short_time, "short_time")
    state.app.add_template_filter(long_datetime, "long_datetime")
    state.app.add_template_filter(duration, "duration")
    state.app.add_template_global(limits, "limits")  # form sizes come from the same constants as the schemas


from plataforma.moderator import (  # noqa: E402,F401  (register routes and hooks)
    actions,
    analytics,
    auth,
    commerce_actions,
    moderation,
    stream_actions,
    views,
    webhooks,
)
