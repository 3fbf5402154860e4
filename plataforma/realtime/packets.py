"""Malformed Socket.IO packets close the connection with one log line.

python-socketio decodes each packet inside Engine.IO's message handler; a packet
whose JSON does not parse (``42garbage``) or nests too deep for the parser
(arrays ≥ 1,000 levels: ``RecursionError``) raised there, Engine.IO logged a
full traceback for it and kept the socket open for the next one. A client that
sends such a packet is broken or hostile: we log a single warning and close its
Engine.IO connection (the disconnect handler then cleans up as usual).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

MALFORMED = (ValueError, RecursionError)


def guard(server) -> None:
    """Wrap the Socket.IO server's Engine.IO message handler of ``server`` (a ``socketio.Server``)."""
    dispatch = server._handle_eio_message

    def on_message(eio_sid, data):
        try:
            return dispatch(eio_sid, data)
        except MALFORMED as exc:
            log.warning("Malformed Socket.IO packet (%s); closing the connection %s", type(exc).__name__, eio_sid)
            server.start_background_task(_close, server, eio_sid)
            return None

    server.eio.on("message", on_message)


def _close(server, eio_sid) -> None:
    try:
        server.eio.disconnect(eio_sid)
    except Exception:  # already gone
        log.debug("Could not close %s", eio_sid, exc_info=True)
