"""Socket.IO: connection auth, event handlers, viewer counts, housekeeping.

Importing the package registers the ``@socketio.on`` handlers (before ``socketio.init_app``
binds the server); the server→client events themselves live in ``plataforma.services.events``.
"""

from __future__ import annotations

# Registers the @socketio.on handlers; evictions subscribes to ban changes.
from plataforma.realtime import commerce, connections, evictions, handlers  # noqa: F401


def init_app(app) -> None:
    connections.init_app(app)
