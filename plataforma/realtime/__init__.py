"""Socket.IO: connection auth, event handlers, viewer counts, broadcasting."""

from __future__ import annotations

import os

DEFAULT_CHANNEL = "plataforma-socketio"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def init_app(app) -> None:
    """Register the Socket.IO handlers before ``socketio.init_app`` binds the server."""
    from plataforma.extensions import socketio
    from plataforma.realtime import connections, handlers  # noqa: F401  (registers @socketio.on handlers)

    # Read here until config.py carries them (see docs/realtime.md).
    app.config.setdefault("SOCKETIO_CHANNEL", os.environ.get("SOCKETIO_CHANNEL") or DEFAULT_CHANNEL)
    app.config.setdefault("TESTING_SLOW_QUERY_EVENT", _flag("TESTING_SLOW_QUERY_EVENT"))
    app.config.setdefault("VIEWER_COUNT_IMMEDIATE_MAX", int(os.environ.get("VIEWER_COUNT_IMMEDIATE_MAX", "200")))
    app.config.setdefault("VIEWER_COUNT_INTERVAL", float(os.environ.get("VIEWER_COUNT_INTERVAL", "1")))
    if app.config["APP_ENV"] == "production":
        app.config["TESTING_SLOW_QUERY_EVENT"] = False

    # The Redis pub/sub channel (and our Redis key prefix): processes of one
    # deployment share it; separate deployments or test runs on one Redis must not.
    socketio.server_options["channel"] = app.config["SOCKETIO_CHANNEL"]
    connections.init_app(app)
