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

Sockets (``LeanSocket``): engine.io gives every websocket connection three green threads -- the
reader (the WSGI request), a writer parked on the socket's queue, and a pinger that sleeps a ping
interval -- each with its saved stack, timers and events. ``LeanSocket`` keeps the reader only:
``send`` writes the frame itself with a non-blocking ``send`` when nothing is queued (eventlet being
cooperative, nothing can be ahead of it), a writer green thread exists only while a backlog does
(the rest of a partial write, sends during the upgrade), and one ``Pinger`` per server sends every
socket's pings. Long-polling is engine.io's own. About 17 KB less per idle connection
(docs/benchmarks.md).

Reading (``HubReader``): once the websocket is open, not even the reader stays. Its descriptor
moves to a socket object of ours, the WSGI request ends (freeing the green thread's stack and
frames, eventlet's HTTP connection object, its headers and buffers), and the hub calls us when the
socket is readable; ``websocket_frames.FrameReader`` cuts the bytes into messages, which one green
thread at a time hands to engine.io. Node keeps no stack per idle socket either. Another 29 KB
less per idle connection (docs/benchmarks.md).

Broadcasts (``write_many``, the fan-out manager's writer): python-socketio hands a broadcast to
every member separately, and engine.io encodes the packet and the websocket frame again for each.
``write_many`` encodes the frame once (per kind of socket: plain, or deflate per window size) and
writes it at once for the turn's first broadcast; the turn's later broadcasts wait in the
``Outbox``, which writes them to each member in ONE ``send`` at the end of the turn. A socket that
is busy, upgrading, closing or late with its pong gets the packet through engine.io's queue as
before.

``install`` swaps the websocket class engine.io uses (``Server._async["websocket"]``, the
async driver's table; a per-server copy, the driver's module stays untouched), turns every new
engine.io socket into a ``LeanSocket`` (in the connect event, before engine.io schedules its first
ping) and gives the fan-out manager ``write_many``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections import deque

from engineio import exceptions as _engineio_exceptions
from engineio import packet as _engineio_packet
from engineio import socket as _engineio_socket
from engineio.async_drivers import eventlet as _engineio_eventlet
from eventlet import GreenPool
from eventlet import greenio as _greenio
from eventlet import hubs as _hubs
from eventlet import patcher as _patcher
from eventlet import websocket as _websocket
from eventlet import wsgi as _wsgi

from plataforma.realtime import websocket_frames as _frames
from plataforma.realtime.fanout import FanoutManager

log = logging.getLogger(__name__)

WEBSOCKET_ATTR = "_plataforma_websocket"  # set on each engine.io Socket: its eventlet websocket
_RealSocket = _patcher.original("socket").socket  # the socket class eventlet's green sockets wrap


class RawFrame(bytes):
    """A complete websocket frame (or the unsent rest of one): written as it is."""


class HeldFrame(RawFrame):
    """The rest of a frame whose first bytes are already on the wire. The websocket's send lock is
    held from the partial write until these bytes are written (or dropped), as engine.io's writer
    holds it for a whole frame: nothing else (eventlet's answer to a client's websocket ping or
    close) may be written into the middle of the frame."""


class PendingFrame:
    """A queue item for engine.io's writer, which sends ``item.encode()``."""

    __slots__ = ("frame",)

    def __init__(self, frame: bytes):
        self.frame = frame if isinstance(frame, RawFrame) else RawFrame(frame)

    def encode(self) -> RawFrame:
        return self.frame


class FanoutWebSocket(_websocket.RFC6455WebSocket):
    """eventlet's server websocket, plus: ``send(RawFrame)`` writes the bytes unchanged, and a
    websocket read from the hub (``hub_reader``) stops being read before its socket is closed."""

    frame_key = None  # sockets with equal keys get equal frames for equal messages
    hub_reader = None

    def close(self, close_data=None):
        if self.hub_reader is not None:
            self.hub_reader.stop()  # the hub must forget the descriptor before it is closed and reused
        super().close(close_data=close_data)

    def send(self, message, **kw):
        if type(message) is RawFrame:
            return self._send(message)
        if type(message) is HeldFrame:  # the lock is already ours (see HeldFrame)
            try:
                return self.socket.sendall(message)
            finally:
                self._sendlock.release()
        return super().send(message, **kw)


class LeanHttpProtocol(_wsgi.HttpProtocol):
    """eventlet's HTTP connection with small stream buffers. Each connection gets a buffered
    reader (8 KB) and writer (16 KB) allocated up front and kept for its whole life; a websocket
    reads and writes the socket itself and never uses them again after the handshake, so with a
    thousand sockets open they were a third of what tracemalloc counted per connection (less of
    it resident: untouched pages of a fresh buffer are not). Request headers and
    responses go through 2 KB / 1 KB buffers instead (longer writes bypass a BufferedWriter's
    buffer; partial writes are still retried by it, eventlet's reason for buffering)."""

    rbufsize = 2048
    wbufsize = 1024

    def setup(self):
        """Also turn Nagle's algorithm off (as Node's HTTP server does): an ack written right after a
        broadcast frame otherwise waited for the client's delayed ACK of that frame, ~40 ms."""
        super().setup()
        with contextlib.suppress(OSError, AttributeError):  # not a TCP socket (a UNIX socket)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Pinger:
    """Every socket's pings from one green thread. engine.io starts a green thread per ping that
    sleeps ``ping_interval`` first: one sleeping green thread (its stack and a hub timer) per
    connection, all the time. Every ping is due ``ping_interval`` after it is scheduled, so the
    schedule is a FIFO queue in due order: the thread sleeps until the first is due."""

    def __init__(self, eio):
        self.eio = eio
        self.due: deque[tuple[float, LeanSocket]] = deque()
        self.running = False

    def schedule(self, sock: LeanSocket) -> None:
        self.due.append((time.monotonic() + self.eio.ping_interval, sock))
        if not self.running:
            self.running = True
            self.eio.start_background_task(self._run)

    def _run(self) -> None:
        try:
            while self.due:
                wait = self.due[0][0] - time.monotonic()
                if wait > 0:
                    self.eio.sleep(wait)
                    continue
                sock = self.due.popleft()[1]
                try:
                    sock.ping()
                except Exception:  # one socket's failure must not stop everybody's pings
                    log.exception("Ping to %s failed", sock.sid)
        finally:
            self.running = False


class LeanSocket(_engineio_socket.Socket):
    """engine.io's socket with one green thread per websocket connection instead of three.

    * Pings come from the server's :class:`Pinger` (``schedule_ping``/``ping``, the same
      ``last_ping`` bookkeeping as engine.io's ``_send_ping``).
    * No writer green thread: engine.io's websocket handler starts one per connection, parked on
      the socket's queue. Here ``send`` writes the frame itself when nothing is queued (a
      non-blocking ``send`` on the socket: eventlet being cooperative, nothing can be ahead of it);
      what cannot go out at once (a backlog, the rest of a partial write, sends during the
      upgrade) is queued, and a writer green thread exists only while the queue holds something.
      A slow client therefore never blocks the sender, as with engine.io's writer.
    Long-polling (before the upgrade, or for clients that never upgrade) is engine.io's own.
    """

    writing = False  # a writer green thread is writing the queue (it ends when the queue is empty)
    batched = None  # frames for the Outbox's flush: the waiting broadcasts caught up with, what was sent since
    caught_up = 0  # how many of the Outbox's waiting broadcasts are in ``batched`` (while in its ``taken``)
    writer = None  # the last writer started (joined when the connection ends)

    def schedule_ping(self):
        if self.last_ping:  # only after the previous ping was answered (engine.io's rule)
            self.last_ping = None
            self.server.plataforma_pinger.schedule(self)

    def ping(self) -> None:
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            self.send(_engineio_packet.Packet(_engineio_packet.PING))

    def writable_now(self, ws, late: float | None = None) -> bool:
        """Whether a frame can be written to ``ws`` (this socket's websocket) right now: upgraded,
        open, nothing queued or being written, and the client not late with its pong (a ping sent
        before ``late``, by default ``ping_timeout`` ago, and not answered). Called for every
        member of every broadcast: attribute tests first, then the two method calls."""
        if late is None:
            late = time.time() - self.server.ping_timeout
        return (
            self.upgraded
            and not (self.upgrading or self.closing or self.closed or self.writing or ws.websocket_closed)
            and not (self.last_ping and self.last_ping < late)
            and not self.queue.qsize()
            and not ws._sendlock.locked()
        )

    def write_frame(self, ws, frame: bytes) -> bool:
        """Write a whole websocket frame without blocking (``writable_now`` holds): what the kernel
        does not take is queued for the writer. False when the socket is broken."""
        try:
            sent = ws.socket.fd.send(frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            return False
        if sent < len(frame):
            if sent:  # the frame is started: nobody else may write until its rest is out
                ws._sendlock.acquire()  # free (writable_now), so this does not wait
                self.queue.put(PendingFrame(HeldFrame(frame[sent:])))
            else:
                self.queue.put(PendingFrame(frame))
            self._start_writer()
        return True

    def send(self, pkt):
        if not self.check_ping_timeout():
            return
        ws = self.__dict__.get(WEBSOCKET_ATTR)
        outbox = self.server.plataforma_outbox
        if outbox.broadcasts:  # the broadcasts waiting there for this socket go first
            outbox.catch_up(self, ws)
        if self.server.logger.isEnabledFor(logging.INFO):
            log_send(self.server, self.sid, pkt)
        if self.batched is not None:  # behind them, in the same write
            self.batched.append(ws._pack_message(pkt.encode()))
            return
        if ws is not None and self.writable_now(ws) and self.write_frame(ws, ws._pack_message(pkt.encode())):
            return
        self.queue.put(pkt)
        self._start_writer()

    def write_batch(self, ws, data: bytes, late: float | None = None) -> None:
        """Write frames the Outbox kept for this socket (``ws`` its websocket), in one ``send`` if the
        socket is still idle (``late`` as for ``writable_now``)."""
        if self.closed or ws.websocket_closed:
            return  # nobody to write to any more
        if not (self.writable_now(ws, late) and self.write_frame(ws, data)):
            self.queue.put(PendingFrame(data))  # closing, busy or broken: the writer sends or meets the error
            self._start_writer()

    def close(self, wait=True, abort=False, reason=None):
        outbox = self.server.plataforma_outbox
        if outbox.broadcasts and not self.closed:
            outbox.catch_up(self, self.__dict__.get(WEBSOCKET_ATTR))
        if self.batched is not None and not self.closed:  # the waiting frames go before CLOSE and the end
            frames, self.batched = self.batched, None
            self.queue.put(PendingFrame(b"".join(frames)))
        super().close(wait=False, abort=abort, reason=reason)  # queues CLOSE (unless abort) and the end
        self._start_writer()
        if wait:
            self.queue.join()

    def _start_writer(self) -> None:
        if not self.writing and self.upgraded and not self.upgrading and WEBSOCKET_ATTR in self.__dict__:
            self.writing = True
            self.writer = self.server.start_background_task(self._write_queue)

    def join_writer(self) -> None:
        """Wait for the writer green thread, if one is writing. (engine.io's ``EventletThread.join``
        returns at once for a green thread that has not started yet: a greenlet is false until it runs.)"""
        if not self.writing or self.writer is None:
            return
        green_thread = getattr(self.writer, "g", None)
        if green_thread is not None:
            green_thread.wait()
        else:
            self.writer.join()

    def _write_queue(self) -> None:
        """Write what is queued, in order, then end; the end-of-stream marker (None) closes the websocket."""
        ws = self.__dict__[WEBSOCKET_ATTR]
        try:
            for pkt in self._taken():
                if pkt is None:
                    if not ws.websocket_closed:  # else the client closed it, or an earlier writer did
                        ws.close()
                    self._discard_queue(ws)  # nothing after the end can be delivered
                    return
                ws.send(pkt.encode())
        except Exception:  # the connection broke: engine.io's writer also just closes
            self._discard_queue(ws)
            if not ws.websocket_closed:
                ws.close()
        finally:
            self.writing = False

    def _discard_queue(self, ws) -> None:
        """Drop what is queued (marking each item done, so ``close(wait=True)`` returns), releasing the
        send lock a dropped ``HeldFrame`` held."""
        for pkt in self._taken():
            if isinstance(pkt, PendingFrame) and type(pkt.frame) is HeldFrame:
                ws._sendlock.release()

    def _taken(self):
        """The queued items, each marked done as it is taken, until the queue is empty."""
        empty = self.server.get_queue_empty_exception()
        while True:
            try:
                pkt = self.queue.get(block=False)
            except empty:
                return
            self.queue.task_done()
            yield pkt

    def receive_frame(self, data) -> bool:
        """One message from the websocket to engine.io; False when the connection must end. (Its length
        is checked before: ``websocket_wait`` below, or ``FrameReader``'s limit for the hub reader.)"""
        try:
            self.receive(_engineio_packet.Packet(encoded_packet=data))
        except _engineio_exceptions.UnknownPacketError:
            pass
        except _engineio_exceptions.SocketIsClosedError:
            return False
        except Exception:
            log.exception("Unknown receive error")
            return False
        return True

    def _websocket_handler(self, ws):
        """engine.io's websocket handler (python-engineio 4.x ``Socket._websocket_handler``), without
        the writer green thread: the upgrade handshake, then the receive loop."""

        def websocket_wait():
            data = ws.wait()
            if data and len(data) > self.server.max_http_buffer_size:
                raise ValueError("packet is too large")
            return data

        ws.socket.settimeout(self.server.ping_interval + self.server.ping_timeout)
        if self.connected:  # connected over long-polling: this is an upgrade
            self.upgrading = True  # sends are queued during the upgrade
            probe = _engineio_packet.Packet(encoded_packet=websocket_wait())
            if probe.packet_type != _engineio_packet.PING or probe.data != "probe":
                self.upgrading = False
                return []
            ws.send(_engineio_packet.Packet(_engineio_packet.PONG, data="probe").encode())
            self.queue.put(_engineio_packet.Packet(_engineio_packet.NOOP))  # ends the pending poll
            upgrade = _engineio_packet.Packet(encoded_packet=websocket_wait())
            if upgrade.packet_type != _engineio_packet.UPGRADE:
                self.upgrading = False
                return []
        else:
            self.connected = True
        self.upgraded, self.upgrading = True, False
        reader = HubReader.attach(self, ws)  # before the writer starts: it writes to the websocket it finds
        self._start_writer()  # what was queued before or during the upgrade
        if reader is not None:
            return []  # the hub reads this websocket from now on; the WSGI green thread ends

        while True:
            try:
                data = websocket_wait()
            except Exception:
                break
            if data is None or not self.receive_frame(data):  # closed by the client, or broken
                break

        self.queue.put(None)  # the writer's end-of-stream: it closes the websocket
        self._start_writer()
        self.join_writer()
        self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        return []


class _NoBody:
    """``wsgi.input`` of a websocket's environ once its request is over: there is no body to read."""

    def read(self, *args):
        return b""

    readline = read

    def readlines(self, *args):
        return []

    def __iter__(self):
        return iter(())

    def close(self):
        pass


NO_BODY = _NoBody()
_REQUEST_KEYS = ("eventlet.input", "eventlet.set_idle", "eventlet.posthooks")  # the request's objects


class HubReader:
    """Reads an upgraded websocket from eventlet's hub: a callback when the socket is readable, not a
    green thread per connection.

    A green thread parked in ``recv`` keeps its stack (saved on the heap at every switch), its
    interpreter frames and, through them, the whole WSGI request: eventlet's HTTP connection object,
    its parsed headers and buffers, the environ. A thousand idle audience members hold a thousand of
    them. Once the websocket is open (after the upgrade probe, if any), ``attach`` moves the socket's
    descriptor to a new socket object (the WSGI connection keeps an empty one, so eventlet's server
    ends the request without closing the websocket) and registers ``readable`` with the hub; the
    WSGI green thread returns and everything it held is freed. ``readable`` takes what the kernel
    has, ``FrameReader`` cuts it into messages, and one green thread at a time (``_deliver``) hands
    them to engine.io in order, as the reader loop did: nothing that may block runs in the hub.

    The connection keeps its place in the server's pool (``MAX_CONNECTIONS`` still counts it): a
    unit of the pool's semaphore is taken at ``attach`` and given back at ``stop``. Without a free
    unit, or with compression (the inflater is eventlet's), the green thread reads as before.
    """

    __slots__ = ("sock", "ws", "frames", "listener", "inbox", "delivering", "slot", "stopped")

    pool = None  # the WSGI server's GreenPool (``install``); None: no hub reading
    INBOX_LIMIT = 64  # messages read but not yet handed over: past it, reading pauses until they are

    def __init__(self, sock: LeanSocket, ws: FanoutWebSocket, slot):
        self.sock, self.ws, self.slot = sock, ws, slot
        self.frames = _frames.FrameReader(int(sock.server.max_http_buffer_size))
        self.inbox: deque | None = None
        self.delivering = self.stopped = False
        self.listener = None
        self._listen()

    @classmethod
    def attach(cls, sock: LeanSocket, ws) -> HubReader | None:
        """Read ``ws`` from the hub from now on (None: it stays with its green thread)."""
        pool = cls.pool
        raw = getattr(ws.socket, "fd", None)
        if pool is None or type(ws) is not FanoutWebSocket or type(raw) is not _RealSocket:
            return None
        if not pool.sem.acquire(blocking=False):
            return None  # the pool is full: this connection keeps the slot of its green thread
        timeout = ws.socket.gettimeout()
        moved = _greenio.GreenSocket(_RealSocket(fileno=raw.detach()))  # the WSGI side keeps a closed shell
        moved.settimeout(timeout)
        reader_ws = object.__new__(FanoutWebSocket)
        reader_ws.__dict__.update(ws.__dict__)
        reader_ws.socket, reader_ws.iterator, reader_ws.environ = moved, None, {}
        ws.websocket_closed = True  # eventlet's WebSocketWSGI sends a close frame on it when the handler returns
        reader = reader_ws.hub_reader = cls(sock, reader_ws, pool.sem)
        setattr(sock, WEBSOCKET_ATTR, reader_ws)
        environ = ws.environ  # Flask-SocketIO's copy of eventlet's environ (python-socketio keeps it)
        if "eventlet.posthooks" in environ:  # trimmed when eventlet's server is done with the request
            environ["eventlet.posthooks"].append((_forget_request, (environ,), {}))
        return reader

    def _listen(self) -> None:
        hub = _hubs.get_hub()
        self.listener = hub.add(hub.READ, self.ws.socket.fileno(), self.readable, self._closed, self._closed)

    def _resume(self) -> None:
        if self.listener is None and not self.stopped:
            self._listen()

    def _pause(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            _hubs.get_hub().remove(listener)

    def stop(self) -> None:
        """Stop reading (before the socket is closed) and give the pool its unit back; idempotent."""
        if not self.stopped:
            self.stopped = True
            self._pause()
            self.slot.release()
            self.ws.hub_reader = None  # no cycle between the two left for the collector

    def readable(self, fileno) -> None:
        """The hub's callback: read what is there, cut it into frames, queue the messages."""
        if self.listener is None:
            return  # paused or stopped in this turn of the hub, after it collected the ready descriptors
        try:
            try:
                data = self.ws.socket.fd.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._queue(None)  # the client went away
                return
            self._take(self.frames.feed(data))
        except _frames.ProtocolError as error:
            self._take(error.complete)  # what came whole before the broken frame, then the refusal
            self._queue(_Refused(error.status, error.reason))
        except Exception:  # never into the hub, which would print it and go on calling us
            log.exception("Reading websocket %s failed", self.sock.sid)
            self._queue(_Refused(1011, "Internal Server Error"))

    def _take(self, frames: list) -> None:
        for opcode, payload in frames:
            if opcode in (_frames.TEXT, _frames.BINARY):
                self._queue(payload)
            elif opcode == _frames.PING:
                self._queue(_Pong(payload))
            elif opcode == _frames.CLOSE:
                self._queue(None)

    def _closed(self, *args) -> None:
        """The hub's word that another green thread closed the descriptor: the end."""
        if not self.stopped:
            self._queue(None)

    def _queue(self, item) -> None:
        if item is None or type(item) is _Refused:
            self.stop()  # nothing after the end is read
        if self.inbox is None:
            self.inbox = deque()
        self.inbox.append(item)
        if len(self.inbox) >= self.INBOX_LIMIT:
            self._pause()  # a client sending faster than its messages are handled waits in its own buffers
        if not self.delivering:
            self.delivering = True
            self.sock.server.start_background_task(self._deliver)

    def _deliver(self) -> None:
        """Hand the queued messages to engine.io, in order; at the end, close as the reader loop did."""
        sock, ws = self.sock, self.ws
        try:
            while self.inbox:
                item = self.inbox.popleft()
                if item is None or type(item) is _Refused:
                    self._end(item)
                    return
                if type(item) is _Pong:
                    with contextlib.suppress(OSError):
                        ws.send(bytes(item), control_code=_frames.PONG)
                    continue
                if not sock.receive_frame(item):
                    self._end(None)
                    return
                if len(self.inbox) < self.INBOX_LIMIT // 2:
                    self._resume()  # paused for a backlog that is now mostly handed over
        finally:
            self.delivering = False
            if not self.inbox:
                self.inbox = None  # an idle connection keeps no deque
            self._resume()

    def _end(self, refused) -> None:
        """The end of the connection, as at the end of ``LeanSocket._websocket_handler``."""
        self.stop()
        self.inbox = None
        sock, ws = self.sock, self.ws
        if refused is not None and not ws.websocket_closed:
            ws.close(close_data=(refused.status, refused.reason))
        sock.queue.put(None)  # the writer's end-of-stream: it closes the websocket
        sock._start_writer()
        sock.join_writer()
        sock.close(wait=False, abort=True, reason=sock.server.reason.TRANSPORT_CLOSE)


class _Pong(bytes):
    """A ping's payload, to be answered with a pong."""


class _Refused:
    """The client broke the protocol: close the websocket with this status."""

    __slots__ = ("status", "reason")

    def __init__(self, status: int, reason: str):
        self.status, self.reason = status, reason


def _forget_request(environ, socketio_environ) -> None:
    """An eventlet posthook: the websocket's request is over; its environs (eventlet's, and the copy
    python-socketio keeps for the connection's life) keep no request objects: eventlet's input
    stream and its buffer, the HTTP connection object."""
    for env in (environ, socketio_environ):
        env["wsgi.input"] = NO_BODY
        for key in _REQUEST_KEYS:
            env.pop(key, None)


class Waiting:
    """A broadcast (written at once, or waiting in the :class:`Outbox`): its members (engine.io sids)
    and packet, and its websocket frame, made once per kind of socket (``frame_key``)."""

    __slots__ = ("sids", "pkt", "text", "frames", "members")

    def __init__(self, sids: list, pkt):
        self.sids, self.pkt, self.text, self.frames, self.members = sids, pkt, None, {}, None

    def includes(self, sid: str) -> bool:
        if self.members is None:
            self.members = set(self.sids)
        return sid in self.members

    def frame(self, ws) -> bytes:
        frame = self.frames.get(ws.frame_key)
        if frame is None:
            if self.text is None:
                self.text = self.pkt.encode()
            frame = self.frames[ws.frame_key] = ws._pack_message(self.text)
        return frame


def member_groups(broadcasts: list[Waiting]) -> list[tuple[tuple[int, ...], list]]:
    """The members of waiting broadcasts grouped by which of them they get: (broadcast indices,
    sids) pairs. Broadcasts to one room have equal member lists, and rooms with no member in common
    are independent, so this usually compares lists instead of looking at each member."""
    rooms: list[tuple[list, list[int]]] = []  # (members, indices) per distinct member list
    for i, broadcast in enumerate(broadcasts):
        for sids, indices in rooms:
            if sids == broadcast.sids:
                indices.append(i)
                break
        else:
            rooms.append((broadcast.sids, [i]))
    if len(rooms) == 1 or sum(len(sids) for sids, _ in rooms) == len(set().union(*(sids for sids, _ in rooms))):
        return [(tuple(indices), sids) for sids, indices in rooms]
    each: dict[str, list[int]] = {}  # rooms that share members: member by member
    for i, broadcast in enumerate(broadcasts):
        for sid in broadcast.sids:
            each.setdefault(sid, []).append(i)
    groups: dict[tuple[int, ...], list] = {}
    for sid, indices in each.items():
        groups.setdefault(tuple(indices), []).append(sid)
    return list(groups.items())


def cpu_wait() -> float:
    """Seconds this thread has been runnable but waiting for a CPU (Linux, ``/proc/thread-self/schedstat``:
    the time on a run queue); 0.0 where the kernel does not tell."""
    try:
        with open("/proc/thread-self/schedstat") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class Outbox:
    """A turn's later broadcasts, written when the current turn of the event loop is over: a member
    gets the turn's first broadcast at once and all the others in ONE ``send``. A waiting broadcast
    is kept whole (:class:`Waiting`: members and packet); the flush joins the frames of the
    broadcasts a group of members gets once and writes those bytes to each of them.

    A busy server handles several senders' messages in one turn of eventlet's hub (every socket
    that became readable); written at once, each broadcast costs one system call per member,
    which was the largest cost of a delivery (docs/benchmarks.md). The first broadcast of a turn
    is written directly (a quiet server pays nothing: batching every broadcast cost ~10 ms of p50
    and a third more CPU at 1,000 × 20) and schedules the flush, a green thread for the next
    turn; broadcasts made before it runs wait here. Anything else sent to a socket whose frames
    wait here (an ack, a personal event) joins them, in order (``LeanSocket.send``).

    Under load, broadcasts are also coalesced across turns (``BROADCAST_COALESCE_MS``, the
    ``interval``): a system call per member per message is most of a delivery's cost, and a server
    that spends most of its time writing broadcasts falls behind, and its latency grows without
    bound (seconds at saturation, docs/benchmarks.md). The Outbox measures the share of wall time
    spent writing broadcasts, over windows of about a second, leaving out the time the process
    waited for a CPU (:func:`cpu_wait`). From ``busy`` (a share, default one
    half) a broadcast made sooner than ``interval`` after the last write waits for the rest of the
    interval, with every broadcast made meanwhile, and they go out in one ``send`` per member:
    under steady load, one write per member per interval. It writes at once again when the share
    that writing each broadcast at once would take (the share measured, times the broadcasts per
    write) falls below a quarter of ``busy``. While writing each broadcast at once would take all of
    the time (a load the process could not carry without coalescing), the interval doubles: a member
    gets twice the frames per write, and its client reads them in one wake-up (at the Node peer's
    saturation, our CPU and the load generator's per delivery both fell, docs/benchmarks.md). It is
    back to ``interval`` when that share falls below ``busy``. A server under that load
    delivers each message up to ``interval`` later (twice that when saturated), for a fraction of
    the system calls; below it nothing changes. ``interval`` 0 turns it off."""

    SATURATED = 1.0  # the share writing each broadcast at once would take, from which the interval doubles
    WINDOW = 1.0  # seconds of wall time per load measurement

    def __init__(self, eio, interval: float = 0.0, busy: float = 0.5, clock=time.monotonic, waited=None):
        self.eio, self.base_interval, self.busy, self.clock = eio, interval, busy, clock
        self.waited = waited or cpu_wait
        self.window_waited = self.waited()
        self.broadcasts: list[Waiting] = []
        self.taken: dict[str, LeanSocket] = {}  # sockets sent something else meanwhile (catch_up)
        self.scheduled = False
        self.interval = 0.0  # in force now: base_interval under load (twice it saturated), else 0
        self.written_at = float("-inf")  # clock() at the last write while coalescing
        self.window_start, self.spent = clock(), 0.0
        self.passes = self.carried = 0  # in this window: write passes, and the broadcasts they wrote

    def first_of_turn(self) -> bool:
        """True for a broadcast to write now (it schedules the end of the turn); False: it waits here."""
        if self.scheduled:
            return False
        self.scheduled = True
        if self.interval:
            now = self.clock()
            wait = self.written_at + self.interval - now
            if wait > 0:
                self.eio.start_background_task(self._flush_after, wait)
                return False
            self.written_at = now
        self.eio.start_background_task(self.flush)
        return True

    def _flush_after(self, wait: float) -> None:
        self.eio.sleep(wait)
        self.written_at = self.clock()
        self.flush()

    def account(self, started: float, broadcasts: int = 1) -> None:
        """A pass writing ``broadcasts`` broadcasts, begun at ``started`` (``clock()``), is over: count its
        time, and at the end of a window start or stop coalescing."""
        if not self.base_interval:
            return
        now = self.clock()
        self.spent += now - started
        self.passes += 1
        self.carried += broadcasts
        elapsed = now - self.window_start
        if elapsed >= self.WINDOW:
            # The share of the time the process had a CPU when it wanted one: a process on cores it
            # shares waits for a CPU part of the time, and measured against the whole window a
            # saturated one looked a third busy writing (two processes, the database and the load
            # generator on two cores: 30-37 %, docs/benchmarks.md), and never coalesced.
            waited, self.window_waited = self.window_waited, self.waited()
            load = min(1.0, self.spent / max(elapsed - (self.window_waited - waited), elapsed / 10))
            if self.interval:
                # Coalescing, a pass writes several broadcasts for about the cost of one (a send per
                # member): the load they would make written at once is this one times broadcasts per
                # pass. Measured as it is, a saturated pair stopped coalescing every few seconds and
                # spent the next second writing each broadcast at once (docs/benchmarks.md).
                load *= self.carried / self.passes  # this pass counted: passes >= 1
            self._switch(self._interval_for(load), load)
            self.window_start, self.spent, self.passes, self.carried = now, 0.0, 0, 0

    def _interval_for(self, load: float) -> float:
        """The interval for the next window, from this one's ``load`` (while coalescing: what writing each
        broadcast at once would take)."""
        if not self.interval:
            return self.base_interval if load >= self.busy else 0.0
        if load < self.busy / 4:
            return 0.0
        # Doubled from the whole, kept down to ``busy``: a saturated pair's windows dipped to 54-96 %
        # for a second every few (bursts from a load generator falling behind).
        doubled = self.interval > self.base_interval
        return self.base_interval * (2 if load >= (self.busy if doubled else self.SATURATED) else 1)

    def _switch(self, interval: float, load: float) -> None:
        """Put ``interval`` in force; a change is logged (a warning when coalescing starts)."""
        if interval == self.interval:
            return
        if not self.interval:
            log.warning(
                "Broadcasts coalesced (every %g ms): %.0f%% of the time spent writing them", interval * 1000, load * 100
            )
        elif not interval:
            log.info("Broadcasts written at once again: that would take %.0f%% of the time", load * 100)
        else:
            log.info(
                "Broadcasts coalesced every %g ms: writing each at once would take %.0f%% of the time",
                interval * 1000,
                load * 100,
            )
        self.interval = interval

    def catch_up(self, sock: LeanSocket, ws) -> None:
        """``sock`` is sent something else: the broadcasts waiting for it go first. Their frames start
        ``sock.batched`` (written at the flush, with what is sent to it meanwhile). A socket not on an
        open websocket (long-polling, upgrading, closing: its CLOSE must come after them) gets their
        packets on engine.io's queue now; a closed one, nothing more."""
        broadcasts, logged = self.broadcasts, self.eio.logger.isEnabledFor(logging.INFO)
        start = sock.caught_up if self.taken.get(sock.sid) is sock else 0
        if sock.closed:  # its end is queued: nothing after it
            start = len(broadcasts)
        queued = ws is None or not sock.upgraded or sock.closing
        for broadcast in broadcasts[start:]:
            if broadcast.includes(sock.sid):
                if logged:
                    log_send(self.eio, sock.sid, broadcast.pkt)
                if queued:
                    sock.queue.put(broadcast.pkt)
                    sock._start_writer()
                elif sock.batched is None:
                    sock.batched = [broadcast.frame(ws)]
                else:
                    sock.batched.append(broadcast.frame(ws))
        sock.caught_up = len(broadcasts)
        self.taken[sock.sid] = sock

    def flush(self) -> None:
        started = self.clock()
        broadcasts, taken, self.scheduled = self.broadcasts, self.taken, False
        if not broadcasts:  # nothing waits (and so no socket caught up)
            return
        eio, late, others = self.eio, time.time() - self.eio.ping_timeout, []
        logged = eio.logger.isEnabledFor(logging.INFO)
        for sock in list(taken.values()):  # the rest of theirs, then everything in one write
            try:
                ws = sock.__dict__.get(WEBSOCKET_ATTR)
                self.catch_up(sock, ws)
                if sock.batched:
                    sock.write_batch(ws, b"".join(sock.batched), late)
            except Exception:  # one socket's failure must not keep the others' frames
                log.exception("Writing to %s failed", sock.sid)
            finally:
                sock.batched = None  # later sends must not join a batch nobody writes
        self.broadcasts, self.taken = [], {}
        sockets = eio.sockets
        for indices, sids in member_groups(broadcasts):
            joined = {}  # frame_key -> the group's frames, joined
            for sid in sids:
                sock = sockets.get(sid)
                if sock is None or sid in taken:
                    continue
                ws = sock.__dict__.get(WEBSOCKET_ATTR)
                if ws is None or not sock.upgraded:
                    others.append((sid, indices))  # long-polling or upgrading: engine.io's queue, after the pass
                    continue
                try:
                    data = joined.get(ws.frame_key)
                    if data is None:
                        data = joined[ws.frame_key] = b"".join([broadcasts[i].frame(ws) for i in indices])
                    sock.write_batch(ws, data, late)
                except Exception:  # one socket's failure must not keep the others' frames
                    log.exception("Writing to %s failed", sid)
                if logged:
                    for i in indices:
                        log_send(eio, sid, broadcasts[i].pkt)
        self.account(started, len(broadcasts))
        for sid, indices in others:
            for i in indices:
                eio.send_packet(sid, broadcasts[i].pkt)


def log_send(eio, sid: str, pkt) -> None:
    """engine.io's "Sending packet" line (``engineio_logger``), for the packets that skip its ``Socket.send``."""
    data = "<binary>" if isinstance(pkt.data, bytes) else pkt.data
    eio.logger.info("%s: Sending packet %s data %s", sid, _engineio_packet.packet_names[pkt.packet_type], data)


def write_many(server, eio_sids, pkt) -> None:
    """Write one engine.io packet to many sockets: one frame for all, at once or through the Outbox (see above).
    Members that cannot take the frame now get the packet through engine.io after the pass: its
    path can close a socket whose pong is late, and the disconnect handler does I/O, which yields;
    nothing else may run between the members of one pass (or be counted as writing broadcasts)."""
    eio = server.eio
    outbox, broadcast = eio.plataforma_outbox, Waiting(eio_sids, pkt)
    if not outbox.first_of_turn():
        outbox.broadcasts.append(broadcast)
        return
    sockets, others = eio.sockets, []
    started = outbox.clock()
    logged = eio.logger.isEnabledFor(logging.INFO)
    late = time.time() - eio.ping_timeout
    for eio_sid in eio_sids:
        sock = sockets.get(eio_sid)
        if sock is None:
            continue
        ws = sock.__dict__.get(WEBSOCKET_ATTR)
        if ws is None or not sock.writable_now(ws, late):
            others.append(eio_sid)  # engine.io's path, behind whatever is queued
            continue
        if not sock.write_frame(ws, broadcast.frame(ws)):
            others.append(eio_sid)  # the writer meets the error and closes the socket (send logs it)
            continue
        if logged:
            log_send(eio, eio_sid, pkt)
    outbox.account(started)
    for eio_sid in others:
        eio.send_packet(eio_sid, pkt)


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


class SharedDeflateWebSocket(FanoutWebSocket):
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
        # eventlet builds RFC6455WebSocket itself; the subclasses only add to send/_pack_message.
        deflate = ws.extensions.get("permessage-deflate")
        if deflate is None:
            ws.__class__ = FanoutWebSocket
        else:
            ws.__class__ = SharedDeflateWebSocket
            ws.frame_key = deflate.get("server_max_window_bits", 15)
        engineio_socket = getattr(self.handler, "__self__", None)  # engine.io's Socket._websocket_handler
        if engineio_socket is not None:
            setattr(engineio_socket, WEBSOCKET_ATTR, ws)
        return ws


def connection_pool(size: int) -> GreenPool:
    """The WSGI server's pool of connections (``custom_pool``): ``size`` connections at most, those
    whose websocket is read from the hub (:class:`HubReader`) included."""
    return GreenPool(size)


def install(
    socketio_server,
    *,
    compression: bool,
    pool: GreenPool | None = None,
    coalesce_interval: float = 0.0,
    coalesce_busy: float = 0.5,
) -> None:
    """Serve engine.io's websocket transport of ``socketio_server`` (a python-socketio Server
    in eventlet mode) with ``WebSocketWSGI`` and the given compression decision. With ``pool``
    (the WSGI server's GreenPool), open websockets are read from the hub (:class:`HubReader`).
    ``coalesce_interval`` (seconds) and ``coalesce_busy`` are the :class:`Outbox`'s."""
    eio = socketio_server.eio
    if eio.async_mode != "eventlet":
        raise RuntimeError(f"the eventlet websocket adapter needs async_mode eventlet, not {eio.async_mode}")
    websocket_class = type("WebSocketWSGI", (WebSocketWSGI,), {"compression": compression})
    eio._async = {**eio._async, "websocket": websocket_class}
    eio.plataforma_pinger = Pinger(eio)
    eio.plataforma_outbox = Outbox(eio, coalesce_interval, coalesce_busy)
    HubReader.pool = pool
    on_connect = eio.handlers["connect"]

    def lean_on_connect(eio_sid, environ):
        """engine.io creates its Socket just before this event, and schedules the first ping and
        starts the transport just after it: the socket becomes a :class:`LeanSocket` here."""
        sock = eio.sockets.get(eio_sid)
        if type(sock) is _engineio_socket.Socket:
            sock.__class__ = LeanSocket
        return on_connect(eio_sid, environ)

    eio.handlers["connect"] = lean_on_connect
    if isinstance(socketio_server.manager, FanoutManager):
        socketio_server.manager.write_many = write_many
