"""The moderator dashboard (SPEC §8): server-rendered pages at ``/moderator``.

Cookie login for moderators and admins; every POST carries a CSRF token; every
action calls the same services as the JSON API, so Socket.IO clients see the
same events whichever door a change came through.
"""

from __future__ import annotations

from flask import Blueprint

from plataforma.moderator.helpers import iso_utc, long_datetime, short_time

bp = Blueprint("moderator", __name__, url_prefix="/moderator")


@bp.record_once
def _template_filters(state) -> None:
    state.app.add_template_filter(iso_utc, "iso_utc")
    state.app.add_template_filter(short_time, "short_time")
    state.app.add_template_filter(long_datetime, "long_datetime")


from plataforma.moderator import actions, auth, views, webhooks  # noqa: E402,F401  (register routes and hooks)
