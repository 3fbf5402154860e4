"""Eventlet websocket adapter: permessage-deflate as a decision, compressed once per broadcast.

Imported only by ``wsgi.py`` (it imports eventlet). python-engineio serves the websocket
transport with ``eventlet.websocket.WebSocketWSGI``, which accepts permessage-deflate whenever
the client offers it -- every browser and socket.io-client do -- and then compresses each
message separately for every listener, keeping a zlib context (~100 KB) per connection
(STACK.md pitfall 12). Node's socket.io does not compress by default (``perMessageDeflate:
false``); neither do we:

* ``WEBSOCKET_COMPRESSION=false`` (default): the extension is refused in the handshake, so
  frames go out uncompressed and no zlib state is kept per socket.
* ``WEBSOCKET_COMPRESSION=true``: the extension is accepted with ``server_no_context_takeover``
  (RFC 7692 §7.1.1.1 lets the server add it to any offer), so a frame's bytes depend only on
  the message and the window size; a room broadcast, the same text sent to every member, is
  then compressed once and the cached frame written to every socket.

``install`` swaps the websocket class engine.io uses (``Server._async["websocket"]``, the
async driver's table; a per-server copy, the driver's module stays untouched).
"""

from __future__ import annotations

from engineio.async_drivers import eventlet as _engineio_eventlet
from eventlet import websocket as _websocket


class FrameCache:
    """The last few compressed frames, keyed by (text, window bits): a broadcast is written to
    every member within one pass of the fan-out loop, so a short memory is enough."""

    def __init__(self, size: int = 64):
        self.size = size
        self.frames: dict[tuple[str, int], bytes] = {}
        self.hits = self.misses = 0

    def get(self, key):
        frame = self.frames.get(key)
        if frame is None:
            self.misses += 1
        else:
            self.hits += 1
        return frame

    def put(self, key, frame: bytes) -> None:
        if len(self.frames) >= self.size:
            del self.frames[next(iter(self.frames))]  # oldest first (dicts keep insertion order)
        self.frames[key] = frame


frames = FrameCache()


class SharedDeflateWebSocket(_websocket.RFC6455WebSocket):
    """A server websocket with permessage-deflate and no context takeover: compressed text
    frames are taken from (and added to) the shared ``frames`` cache."""

    def _pack_message(self, message, masked=False, continuation=False, final=True, control_code=None):
        if type(message) is not str or not message or masked or continuation or not final or control_code:
            return super()._pack_message(message, masked, continuation, final, control_code)
        key = (message, self.extensions["permessage-deflate"].get("server_max_window_bits", 15))
        frame = frames.get(key)
        if frame is None:
            frame = super()._pack_message(message)
            frames.put(key, frame)
        return frame


class WebSocketWSGI(_engineio_eventlet.WebSocketWSGI):
    """engine.io's eventlet websocket application with the compression decision applied."""

    compression = False

    def _negotiate_permessage_deflate(self, extensions):
        if not self.compression:
            return None
        accepted = super()._negotiate_permessage_deflate(extensions)
        if accepted is not None:
            accepted["server_no_context_takeover"] = True  # frames depend on the message only
        return accepted

    def _handle_hybi_request(self, environ):
        ws = super()._handle_hybi_request(environ)
        if "permessage-deflate" in ws.extensions:
            # eventlet builds RFC6455WebSocket itself; the subclass only changes _pack_message.
            ws.__class__ = SharedDeflateWebSocket
        return ws


def install(socketio_server, *, compression: bool) -> None:
    """Serve engine.io's websocket transport of ``socketio_server`` (a python-socketio Server
    in eventlet mode) with ``WebSocketWSGI`` and the given compression decision."""
    eio = socketio_server.eio
    if eio.async_mode != "eventlet":
        raise RuntimeError(f"the eventlet websocket adapter needs async_mode eventlet, not {eio.async_mode}")
    websocket_class = type("WebSocketWSGI", (WebSocketWSGI,), {"compression": compression})
    eio._async = {**eio._async, "websocket": websocket_class}
