"""Every Socket.IO packet passes here first, inline in the connection's receive loop.

* Malformed packets: python-socketio decoded each packet inside Engine.IO's message handler; one
  whose JSON does not parse (``42garbage``) or nests too deep for the parser (arrays ≥ 1,000
  levels: ``RecursionError``) raised there, Engine.IO logged a full traceback for it and kept the
  socket open. Such a client is broken or hostile: one warning, and its connection is closed.
* The event budget (SPEC §17, see ``limits``): an event past the connection's budget is refused
  here, its ``rate_limited`` ack sent at once, without starting a handler (python-socketio starts a
  green thread per event) and without any database or Redis work; far past it, the connection is
  closed and whatever else it already sent is dropped unread.
* One connection, one handler at a time: python-socketio starts a green thread per event, so a
  burst of in-budget events from one socket ran as fifty handlers at once and everybody else's
  requests queued behind all of them (a 3,000-event flood held another user's GET for ~250 ms).
  Each connection's events now wait in its ``inbox``, drained by one green thread, in order, as
  a Node server runs a socket's handlers; other connections and HTTP requests interleave with it,
  also while a burst is being read and refused (the receive loop yields between packets).
  A chat message is the exception (``PIPELINED``): once its handler has put the message in the
  queue of messages being stored (``batches``), the next event starts, so a socket's burst of chat
  messages is stored in a few transactions, in the order read; any other event waits until the
  messages before it have been answered.
"""

from __future__ import annotations

import logging
import threading

from socketio import packet

from plataforma.errors import RateLimited
from plataforma.realtime.batches import pipelined
from plataforma.realtime.limits import BudgetExhausted, check_event_budget

log = logging.getLogger(__name__)

MALFORMED = (ValueError, RecursionError)
PIPELINED = frozenset({"send_message"})  # stored in batches: a socket's next event need not wait
PIPELINE_DEPTH = 16  # a socket's chat messages in flight at most (half a batch: others' get room)


def _refusal(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


def guard(server, app) -> None:
    """Route the Engine.IO messages of ``server`` (a ``socketio.Server``) through the guard.

    The instance attribute is replaced too, so that Flask-SocketIO's test client (which calls
    ``_handle_eio_message`` directly) goes the same way."""
    dispatch = server._handle_eio_message
    spec = app.config["SOCKET_EVENT_BUDGET"]
    connections = app.extensions["plataforma.connections"]
    dropping: set[str] = set()  # eio sids being closed for flooding

    def on_message(eio_sid, data):
        if server.async_handlers:
            # Let the others run between two packets: the receive loop does not yield while the
            # socket's buffer still holds frames, so a burst was read, parsed and refused in one go.
            server.sleep(0)
        if eio_sid in dropping:
            return None
        if not isinstance(data, str) or not data.startswith(str(packet.EVENT)):
            return _dispatch(dispatch, server, eio_sid, data)
        try:
            pkt = server.packet_class(encoded_packet=data)
            if not isinstance(pkt.data, list) or not pkt.data or not isinstance(pkt.data[0], str):
                raise ValueError("an event packet must be a list that starts with the event's name")
        except MALFORMED as exc:
            return _malformed(server, eio_sid, exc)
        namespace = pkt.namespace or "/"
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        conn = connections.get(sid) if sid else None
        if conn is not None:
            try:
                check_event_budget(conn, spec)
            except BudgetExhausted as exc:
                dropping.add(eio_sid)
                _ack(server, eio_sid, pkt, _refusal(exc.code, exc.message))
                log.warning("Socket %s far past its event budget; disconnecting", sid)
                server.start_background_task(_close, server, eio_sid, dropping)
                return None
            except RateLimited as exc:
                _ack(server, eio_sid, pkt, _refusal(exc.code, exc.message))
                return None
        if conn is None or not server.async_handlers:  # not connected yet, or the test client (inline)
            return server._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        if conn.queue_event((pkt.namespace, pkt.id, pkt.data)):
            server.start_background_task(_drain, server, eio_sid, conn, dropping)
        return None

    server._handle_eio_message = on_message
    server.eio.on("message", on_message)


def _drain(server, eio_sid, conn, dropping: set) -> None:
    """Handle a connection's events one after another (python-socketio's ``_handle_event``, inline);
    a chat message's handler runs on in a green thread of its own once its message is queued for
    storing (``PIPELINED``): the next chat message may start then (up to ``PIPELINE_DEPTH`` of them in
    flight), any other event waits until the messages before it are answered (``conn.storing``, kept
    across drains: the next message of a steady sender often arrives while the previous one is being
    stored)."""
    while (event := conn.next_event()) is not None:
        if eio_sid in dropping:
            continue
        namespace, pkt_id, data = event
        namespace = namespace or "/"
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not server.manager.is_connected(sid, namespace):
            continue
        if data and data[0] in PIPELINED:
            _wait_until_storing_fewer(conn, PIPELINE_DEPTH)
            queued, answered = threading.Event(), threading.Event()
            with conn.lock:
                conn.storing = [*(conn.storing or ()), answered]
            server.start_background_task(
                _handle_pipelined, server, sid, eio_sid, namespace, pkt_id, data, conn, queued, answered
            )
            queued.wait()
            continue
        _wait_until_storing_fewer(conn, 1)  # the messages before this event are answered first
        _handle(server, sid, eio_sid, namespace, pkt_id, data)


def _wait_until_storing_fewer(conn, count: int) -> None:
    """Wait until fewer than ``count`` of the connection's chat messages are still being stored."""
    while (storing := conn.storing) is not None and len(storing) >= count:
        storing[0].wait()


def _handle(server, sid, eio_sid, namespace, pkt_id, data) -> None:
    try:
        server._handle_event_internal(server, sid, eio_sid, data, namespace, pkt_id)
    except Exception:  # a handler's own errors are answered by the guard; never lose the queue
        log.exception("Socket.IO event %r failed", data[0] if data else None)


def _handle_pipelined(server, sid, eio_sid, namespace, pkt_id, data, conn, queued, answered) -> None:
    """:func:`_handle` in a green thread of its own; ``queued`` once its message is queued for storing,
    ``answered`` (and out of ``conn.storing``) when it is done."""
    try:
        pipelined(lambda: _handle(server, sid, eio_sid, namespace, pkt_id, data), queued)
    finally:
        with conn.lock:
            conn.storing = [other for other in conn.storing if other is not answered] or None
        answered.set()


def _dispatch(dispatch, server, eio_sid, data):
    try:
        return dispatch(eio_sid, data)
    except MALFORMED as exc:
        return _malformed(server, eio_sid, exc)


def _malformed(server, eio_sid, exc) -> None:
    log.warning("Malformed Socket.IO packet (%s); closing the connection %s", type(exc).__name__, eio_sid)
    server.start_background_task(_close, server, eio_sid)
    return None


def _ack(server, eio_sid, pkt, answer: dict) -> None:
    if pkt.id is not None:
        server._send_packet(eio_sid, server.packet_class(packet.ACK, namespace=pkt.namespace, data=[answer], id=pkt.id))


def _close(server, eio_sid, dropping: set | None = None) -> None:
    """Disconnect the Socket.IO session (the client is told), then drop the Engine.IO connection."""
    try:
        sid = server.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is not None:
            server.disconnect(sid, namespace="/")
        server.eio.disconnect(eio_sid)
    except Exception:  # already gone
        log.debug("Could not close %s", eio_sid, exc_info=True)
    finally:
        if dropping is not None:
            dropping.discard(eio_sid)
