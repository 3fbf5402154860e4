"""Socket.IO connection auth and client events (SPEC §7)."""

from __future__ import annotations

from flask import request
from flask_socketio import ConnectionRefusedError

from plataforma.extensions import socketio


@socketio.on("connect")
def connect(auth=None):
    token = (auth or {}).get("token") if isinstance(auth, dict) else None
    token = token or request.args.get("token")
    if not token:
        raise ConnectionRefusedError("unauthorized")
