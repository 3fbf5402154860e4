"""Socket.IO: connection auth, event handlers, viewer counts, broadcasting."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the Socket.IO handlers before ``socketio.init_app`` binds the server."""
    from plataforma.realtime import connections, handlers  # noqa: F401  (registers @socketio.on handlers)

    connections.init_app(app)
