"""The eventlet websocket adapter (wsgi.py only): compression negotiation and compress-once frames."""

from __future__ import annotations

import logging
import time
import zlib

import pytest
from engineio.base_server import BaseServer

eventlet_websocket = pytest.importorskip("plataforma.realtime.eventlet_websocket")


class FakeSocket:
    def __init__(self):
        self.sent: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sent.append(data)


def _websocket(extensions):
    return eventlet_websocket.SharedDeflateWebSocket(FakeSocket(), {}, 13, extensions=extensions)


def test_negotiation_refuses_deflate_unless_configured():
    offer = {"permessage-deflate": [{"client_max_window_bits": True}]}
    refusing = eventlet_websocket.WebSocketWSGI.__new__(eventlet_websocket.WebSocketWSGI)
    assert refusing._negotiate_permessage_deflate(offer) is None
    accepting = type("On", (eventlet_websocket.WebSocketWSGI,), {"compression": True})
    accepted = accepting.__new__(accepting)._negotiate_permessage_deflate(offer)
    assert accepted["server_no_context_takeover"] is True
    assert accepting.__new__(accepting)._negotiate_permessage_deflate({}) is None


def test_a_broadcast_text_is_compressed_once_for_all_members(monkeypatch):
    calls = []
    real = zlib.compressobj

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(eventlet_websocket, "frames", eventlet_websocket.FrameCache(size=2))
    monkeypatch.setattr(zlib, "compressobj", counting)
    options = {"permessage-deflate": {"server_no_context_takeover": True}}
    members = [_websocket(options) for _ in range(5)]
    text = '42["new_message",{"text":"' + "hello " * 50 + '"}]'
    for ws in members:
        ws.send(text)
    frames = {ws.socket.sent[0] for ws in members}
    assert len(frames) == 1 and len(calls) == 1
    (frame,) = frames
    assert frame[0] == 0xC1  # FIN + RSV1 (compressed) + text opcode
    assert frame[1] < 126  # a short frame: the 2-byte header, then the deflated text
    body = frame[2:]
    assert zlib.decompressobj(-15).decompress(body + b"\x00\x00\xff\xff").decode() == text


def test_the_frame_cache_forgets_the_oldest_and_keys_on_window_bits(monkeypatch):
    cache = eventlet_websocket.FrameCache(size=2)
    monkeypatch.setattr(eventlet_websocket, "frames", cache)
    narrow = _websocket({"permessage-deflate": {"server_no_context_takeover": True, "server_max_window_bits": 9}})
    wide = _websocket({"permessage-deflate": {"server_no_context_takeover": True}})
    narrow.send("a" * 300)
    wide.send("a" * 300)
    assert cache.misses == 2  # different windows, different frames
    wide.send("b" * 300)
    assert set(cache.frames) == {("a" * 300, 15), ("b" * 300, 15)}


def test_control_frames_and_bytes_bypass_the_cache(monkeypatch):
    cache = eventlet_websocket.FrameCache()
    monkeypatch.setattr(eventlet_websocket, "frames", cache)
    ws = _websocket({"permessage-deflate": {"server_no_context_takeover": True}})
    ws.send(b"\x00binary")
    ws.send("", control_code=9)
    assert cache.frames == {} and len(ws.socket.sent) == 2


# ---------------------------------------------------------------- write_many: one frame, direct writes


class FakeFd:
    """The real socket under eventlet's GreenSocket: takes at most ``room`` bytes per send."""

    def __init__(self, room: int | None = None, error: type[OSError] | None = None):
        self.room, self.error, self.wire = room, error, b""

    def send(self, data: bytes) -> int:
        if self.error:
            raise self.error()
        taken = data if self.room is None else data[: self.room]
        self.wire += taken
        return len(taken)


def _recording(fd: FakeFd, sends: list | None = None) -> list:
    """The byte strings handed to ``fd.send`` (appended to ``sends``, or a new list), the objects themselves."""
    sends = [] if sends is None else sends
    fd.send = (lambda real: lambda data: sends.append(data) or real(data))(fd.send)
    return sends


class FakeGreenSocket(FakeSocket):
    def __init__(self, fd: FakeFd):
        super().__init__()
        self.fd = fd


class FakeEngineServer:
    """What a LeanSocket and write_many use of engine.io's Server; background tasks run when ``run_tasks`` says."""

    ping_interval, ping_timeout = 25, 20
    reason = BaseServer.reason
    logger = logging.getLogger("engineio.test")

    def __init__(self):
        from engineio.async_drivers import eventlet as driver

        self.driver = driver
        self.sockets, self.queued, self.tasks = {}, [], []
        self.plataforma_pinger = eventlet_websocket.Pinger(self)
        self.plataforma_outbox = eventlet_websocket.Outbox(self)

    def create_queue(self):
        return self.driver._async["queue"]()

    def get_queue_empty_exception(self):
        return self.driver._async["queue_empty"]

    eager = False  # run background tasks at once (as if the caller yielded right away)

    def start_background_task(self, target, *args):
        task = FakeTask(target, args)
        if self.eager:
            task.run()
        else:
            self.tasks.append(task)
        return task

    def run_tasks(self):
        while self.tasks:
            self.tasks.pop(0).run()

    def turn(self):
        """One turn of the event loop: the tasks started so far run (not those they start)."""
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.run()

    def sleep(self, seconds):
        self.slept = seconds
        self.run_tasks()

    def send_packet(self, sid, pkt):
        self.queued.append((sid, pkt))
        self.sockets[sid].send(pkt)

    def _trigger_event(self, *args, **kwargs):
        pass


class FakeTask:
    def __init__(self, target, args):
        self.target, self.args, self.done = target, args, False

    def run(self):
        if not self.done:
            self.done = True
            self.target(*self.args)

    def join(self):
        self.run()


def _lean_socket(eio, sid, ws):
    sock = eventlet_websocket.LeanSocket(eio, sid)
    sock.connected = sock.upgraded = True
    sock.last_ping = None
    setattr(sock, eventlet_websocket.WEBSOCKET_ATTR, ws)
    eio.sockets[sid] = sock
    return sock


def _members(*fds, extensions=None):
    from types import SimpleNamespace

    eio = FakeEngineServer()
    for i, fd in enumerate(fds):
        cls = eventlet_websocket.SharedDeflateWebSocket if extensions else eventlet_websocket.FanoutWebSocket
        _lean_socket(eio, f"s{i}", cls(FakeGreenSocket(fd), {}, 13, extensions=extensions))
    return SimpleNamespace(eio=eio), eio


def _packet(text: str):
    from engineio import packet

    return packet.Packet(packet.MESSAGE, text)


def _wire(sock) -> bytes:
    """Everything written to the socket: direct writes, then what its writer sent."""
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    sock.server.run_tasks()
    return ws.socket.fd.wire + b"".join(ws.socket.sent)


def test_idle_members_get_the_same_frame_written_directly():
    fds = [FakeFd() for _ in range(3)]
    server, eio = _members(*fds)
    eventlet_websocket.write_many(server, list(eio.sockets), _packet('2["new_message",{"text":"hi"}]'))
    frame = b"\x81" + bytes([31]) + b'42["new_message",{"text":"hi"}]'
    assert [fd.wire for fd in fds] == [frame] * 3  # the turn's first broadcast: at once
    assert eio.queued == [] and all(s.queue.qsize() == 0 for s in eio.sockets.values())


def test_the_rest_of_a_partial_write_is_queued_and_later_messages_queue_behind_it():
    slow = FakeFd(room=5)
    server, eio = _members(slow, FakeFd())
    first, second = _packet("2" + '["a","' + "x" * 200 + '"]'), _packet('2["b"]')
    eventlet_websocket.write_many(server, ["s0", "s1"], first)
    slow.room = None  # the kernel would take more now, but the queue is not empty: order first
    eventlet_websocket.write_many(server, ["s0", "s1"], second)  # the turn's second: waits for its end
    assert eio.sockets["s0"].queue.qsize() == 1  # the first frame's rest
    eio.turn()
    ws = getattr(eio.sockets["s0"], eventlet_websocket.WEBSOCKET_ATTR)
    both = ws._pack_message("4" + first.data) + ws._pack_message("4" + second.data)
    assert _wire(eio.sockets["s0"]) == both and _wire(eio.sockets["s1"]) == both
    assert eio.sockets["s1"].writer is None  # the idle member was written directly, twice


@pytest.mark.parametrize(
    "state",
    [
        {"upgraded": False},
        {"upgrading": True},
        {"closing": True},
        {"writing": True},
        {"last_ping": 1.0},  # pong overdue: engine.io's send closes the socket
    ],
)
def test_members_that_are_not_idle_go_through_engine_io(state):
    fd = FakeFd()
    server, eio = _members(fd)
    for key, value in state.items():
        setattr(eio.sockets["s0"], key, value)
    eventlet_websocket.write_many(server, ["s0"], _packet('2["x"]'))
    assert fd.wire == b"" and [sid for sid, _ in eio.queued] == ["s0"]


def test_a_member_pinged_within_the_timeout_is_written_directly():
    fd = FakeFd()
    server, eio = _members(fd)
    eio.sockets["s0"].last_ping = time.time() - FakeEngineServer.ping_timeout + 5  # answer not due yet
    eventlet_websocket.write_many(server, ["s0"], _packet('2["x"]'))
    assert fd.wire == b'\x81\x0742["x"]' and eio.queued == []


def test_a_member_with_something_queued_goes_through_engine_io():
    fd = FakeFd()
    server, eio = _members(fd)
    eio.sockets["s0"].queue.put(_packet('2["before"]'))
    eventlet_websocket.write_many(server, ["s0"], _packet('2["x"]'))
    assert fd.wire == b"" and [sid for sid, _ in eio.queued] == ["s0"]


def test_a_member_whose_frame_is_being_written_goes_through_engine_io():
    fd = FakeFd()
    server, eio = _members(fd)
    ws = getattr(eio.sockets["s0"], eventlet_websocket.WEBSOCKET_ATTR)
    ws._sendlock.acquire()
    try:
        eventlet_websocket.write_many(server, ["s0"], _packet('2["x"]'))
    finally:
        ws._sendlock.release()
    assert fd.wire == b"" and len(eio.queued) == 1


def test_a_broken_or_full_socket_falls_back_without_losing_the_message():
    broken, full = FakeFd(error=ConnectionResetError), FakeFd(error=BlockingIOError)
    server, eio = _members(broken, full)
    eventlet_websocket.write_many(server, ["s0", "s1", "gone"], _packet('2["x"]'))
    assert [sid for sid, _ in eio.queued] == ["s0"]  # engine.io's path: its writer meets the error
    for sock in eio.sockets.values():  # a writer for each: it closes, or sends the whole frame
        assert sock.queue.qsize() == 1 and sock.writing
    assert _wire(eio.sockets["s1"]) == b'\x81\x0742["x"]'


def test_deflate_members_share_one_compressed_frame(monkeypatch):
    monkeypatch.setattr(eventlet_websocket, "frames", eventlet_websocket.FrameCache())
    fds = [FakeFd() for _ in range(4)]
    server, eio = _members(*fds, extensions={"permessage-deflate": {"server_no_context_takeover": True}})
    for sock in eio.sockets.values():
        getattr(sock, eventlet_websocket.WEBSOCKET_ATTR).frame_key = 15
    eventlet_websocket.write_many(server, list(eio.sockets), _packet('2["m","' + "y" * 300 + '"]'))
    eio.turn()
    assert len({fd.wire for fd in fds}) == 1 and fds[0].wire[0] == 0xC1
    assert eventlet_websocket.frames.misses == 1


def test_the_later_broadcasts_of_one_turn_reach_each_member_in_one_send_with_acks_in_order():
    fds = [FakeFd() for _ in range(2)]
    server, eio = _members(*fds)
    calls = []
    for fd in fds:
        _recording(fd, calls)
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["a"]'))  # the turn's first: at once
    assert len(calls) == 2 and len(eio.tasks) == 1  # and the end of the turn is scheduled
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["b"]'))
    eio.sockets["s0"].send(_packet('3["ack"]'))  # an ack for s0 between two later broadcasts
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["c"]'))
    assert len(calls) == 2 and len(eio.tasks) == 1  # waiting for the one flush of the turn
    eio.turn()
    assert len(calls) == 4  # one more send per member for the rest of the turn
    assert fds[0].wire == b'\x81\x0742["a"]' + b'\x81\x0742["b"]' + b'\x81\x0943["ack"]' + b'\x81\x0742["c"]'
    assert fds[1].wire == b'\x81\x0742["a"]' + b'\x81\x0742["b"]' + b'\x81\x0742["c"]'
    eventlet_websocket.write_many(server, ["s1"], _packet('2["d"]'))  # the next turn: at once again
    assert fds[1].wire.endswith(b'\x81\x0742["d"]') and len(calls) == 5


class FakeClock:
    def __init__(self, now: float = 100.0):
        self.now = now
        self.waited = 0.0  # seconds spent waiting for a CPU (cpu_wait)

    def __call__(self) -> float:
        return self.now


def _coalescing_members(*fds, interval=0.05, busy=0.5):
    server, eio = _members(*fds)
    clock = FakeClock()
    eio.plataforma_outbox = eventlet_websocket.Outbox(eio, interval, busy, clock=clock, waited=lambda: clock.waited)

    def sleep(seconds):  # the green thread sleeping: time passes
        eio.slept = seconds
        clock.now += seconds

    eio.sleep = sleep
    return server, eio, clock


def _load(outbox, clock, share: float, waiting: float = 0.0) -> None:
    """A measurement window (a hair longer: rounding) in which writing broadcasts took ``share`` of the
    time and the process waited for a CPU ``waiting`` of it."""
    clock.now += outbox.WINDOW * (1 - share) + 1e-6
    clock.waited += outbox.WINDOW * waiting
    started = clock.now
    clock.now += outbox.WINDOW * share
    outbox.account(started)


def test_below_the_busy_share_every_turns_first_broadcast_is_written_at_once():
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    _load(eio.plataforma_outbox, clock, 0.45)
    for text in ("a", "b"):
        clock.now += 0.001
        eventlet_websocket.write_many(server, ["s0"], _packet(f'2["{text}"]'))
        assert fd.wire.endswith(f'42["{text}"]'.encode())  # at once, 1 ms after the last
        eio.turn()
    assert eio.plataforma_outbox.interval == 0


def test_under_load_broadcasts_are_written_at_most_once_per_interval_in_one_send():
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    sends = _recording(fd)
    _load(eio.plataforma_outbox, clock, 0.6)  # most of a second spent writing broadcasts
    assert eio.plataforma_outbox.interval == 0.05
    eventlet_websocket.write_many(server, ["s0"], _packet('2["a"]'))  # none for a while: at once
    eio.turn()
    clock.now += 0.01
    eventlet_websocket.write_many(server, ["s0"], _packet('2["b"]'))  # 10 ms later: waits 40 ms
    eio.sockets["s0"].send(_packet('3["ack"]'))  # joins the wait, in order
    clock.now += 0.02
    eventlet_websocket.write_many(server, ["s0"], _packet('2["c"]'))
    assert sends == [b'\x81\x0742["a"]'] and len(eio.tasks) == 1  # one flush, after the interval
    eio.run_tasks()  # the flush's green thread sleeps 40 ms, then writes the rest in one send
    assert eio.slept == pytest.approx(0.04)
    assert sends[1:] == [b'\x81\x0742["b"]\x81\x0943["ack"]\x81\x0742["c"]']
    clock.now += 0.051  # an interval after the last write: at once again
    eventlet_websocket.write_many(server, ["s0"], _packet('2["d"]'))
    assert sends[2:] == [b'\x81\x0742["d"]']


def test_time_spent_waiting_for_a_cpu_does_not_hide_the_load():
    """A process on cores it shares with others (more processes than cores) waits for a CPU part of
    the time: its share of writing broadcasts is taken over the time it had a CPU when it wanted one."""
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    outbox = eio.plataforma_outbox
    _load(outbox, clock, 0.35)  # a third of the window writing, never waiting: not busy
    assert not outbox.interval
    _load(outbox, clock, 0.35, waiting=0.4)  # the same, but 0.35 of the 0.6 s it could run
    assert outbox.interval == 0.05
    _load(outbox, clock, 0.1, waiting=0.4)  # 0.17: still above a quarter of the threshold
    assert outbox.interval == 0.05
    _load(outbox, clock, 0.05, waiting=0.2)  # 0.06
    assert not outbox.interval


def test_cpu_wait_reads_this_threads_run_queue_time_or_says_zero(monkeypatch, tmp_path):
    assert eventlet_websocket.cpu_wait() >= 0.0
    stats = tmp_path / "schedstat"
    stats.write_text("535595375 294352000 50\n")
    real_open = open
    monkeypatch.setattr(
        "builtins.open", lambda path, *a, **k: real_open(stats if "schedstat" in str(path) else path, *a, **k)
    )
    assert eventlet_websocket.cpu_wait() == 0.294352
    stats.write_text("")
    assert eventlet_websocket.cpu_wait() == 0.0


def test_coalescing_stops_when_writing_broadcasts_takes_a_quarter_of_the_busy_share():
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    outbox = eio.plataforma_outbox
    _load(outbox, clock, 0.55)
    _load(outbox, clock, 0.2)  # less, but not little enough: still coalescing
    assert outbox.interval == 0.05
    _load(outbox, clock, 0.1)
    assert outbox.interval == 0
    eventlet_websocket.write_many(server, ["s0"], _packet('2["a"]'))
    eio.turn()
    clock.now += 0.001
    eventlet_websocket.write_many(server, ["s0"], _packet('2["b"]'))
    assert fd.wire == b'\x81\x0742["a"]\x81\x0742["b"]'  # each at once


def test_coalescing_goes_on_while_each_write_carries_several_broadcasts():
    """Coalescing makes the share it measures small: ten broadcasts per write cost about one write. The
    share that decides whether to stop is the one writing each at once would take."""
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    outbox = eio.plataforma_outbox
    _load(outbox, clock, 0.9)
    assert outbox.interval == 0.05
    for _ in range(3):  # 10 % of the time writing, eight broadcasts a write: 80 % written at once
        _passes(outbox, clock, 10, 0.01, broadcasts=8)
        assert outbox.interval == 0.05
    _load(outbox, clock, 0.1)  # one broadcast a write (the room went quiet): 10 %
    assert outbox.interval == 0


def _passes(outbox, clock, passes: int, share: float, broadcasts: int) -> None:
    """A measurement window of ``passes`` write passes, each ``share`` of the window long and carrying
    ``broadcasts`` broadcasts, after a pause (together a hair longer than the window)."""
    clock.now += outbox.WINDOW * (1 - passes * share) + 1e-6
    for _ in range(passes):
        started = clock.now
        clock.now += outbox.WINDOW * share
        outbox.account(started, broadcasts=broadcasts)


def test_a_saturated_process_coalesces_over_twice_the_interval_and_back():
    """While writing each broadcast at once would take all of the time, the interval doubles: each
    member's client gets twice the frames per read. It holds through a dip down to ``busy``, is back
    to the interval below it, and off below a quarter of it."""
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    sends = _recording(fd)
    outbox = eio.plataforma_outbox
    _load(outbox, clock, 0.9)
    assert outbox.interval == 0.05  # switched on: the interval first
    _passes(outbox, clock, 10, 0.02, broadcasts=8)  # 20 % writing, eight a write: 160 % at once
    assert outbox.interval == 0.1
    _passes(outbox, clock, 10, 0.02, broadcasts=4)  # 80 %: still saturated (a dip)
    assert outbox.interval == 0.1
    _passes(outbox, clock, 10, 0.02, broadcasts=2)  # 40 %, below busy: the interval again
    assert outbox.interval == 0.05
    _passes(outbox, clock, 10, 0.02, broadcasts=4)  # 80 %: not saturated
    assert outbox.interval == 0.05
    _passes(outbox, clock, 10, 0.02, broadcasts=8)
    assert outbox.interval == 0.1
    eventlet_websocket.write_many(server, ["s0"], _packet('2["a"]'))  # none for a while: at once
    eio.turn()
    clock.now += 0.03
    eventlet_websocket.write_many(server, ["s0"], _packet('2["b"]'))  # waits for the rest of 100 ms
    eio.run_tasks()
    assert eio.slept == pytest.approx(0.07)
    assert sends == [b'\x81\x0742["a"]', b'\x81\x0742["b"]']
    _passes(outbox, clock, 10, 0.01, broadcasts=1)  # 1 %: at once again
    assert outbox.interval == 0


def test_a_flush_counts_the_broadcasts_it_wrote():
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd)
    outbox = eio.plataforma_outbox
    _load(outbox, clock, 0.6)
    eventlet_websocket.write_many(server, ["s0"], _packet('2["a"]'))  # at once: a pass of one
    eio.turn()
    clock.now += 0.01
    for text in ("b", "c", "d"):
        eventlet_websocket.write_many(server, ["s0"], _packet(f'2["{text}"]'))
    eio.run_tasks()  # the flush: one pass of three
    assert (outbox.passes, outbox.carried) == (2, 4)


def test_without_an_interval_broadcasts_are_never_coalesced():
    fd = FakeFd()
    server, eio, clock = _coalescing_members(fd, interval=0)
    _load(eio.plataforma_outbox, clock, 1.0)  # a whole window spent writing
    for text in ("a", "b"):
        clock.now += 0.001
        eventlet_websocket.write_many(server, ["s0"], _packet(f'2["{text}"]'))
        eio.turn()
    assert fd.wire == b'\x81\x0742["a"]\x81\x0742["b"]'  # each at once


def test_members_that_cannot_take_the_frame_go_through_engine_io_after_the_pass_uncounted():
    """engine.io's path may close a socket (late pong) and run the disconnect handler, which yields
    and takes time: the other members have their frame by then, and that time is not writing."""
    late, idle = FakeFd(), FakeFd()
    server, eio, clock = _coalescing_members(late, idle)
    eio.sockets["s0"].last_ping = 1.0  # pong overdue
    seen = []
    real_send_packet = eio.send_packet

    def send_packet(sid, pkt):
        seen.append((sid, idle.wire))
        clock.now += 5  # a slow disconnect handler
        real_send_packet(sid, pkt)

    eio.send_packet = send_packet
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["x"]'))
    assert seen == [("s0", b'\x81\x0742["x"]')]  # s1 was written first
    assert eio.plataforma_outbox.spent < 1


def test_a_member_that_closes_before_the_flush_gets_its_frames_through_the_writer():
    fd = FakeFd()
    server, eio = _members(fd)
    eventlet_websocket.write_many(server, ["s0"], _packet('2["a"]'))  # at once
    eventlet_websocket.write_many(server, ["s0"], _packet('2["b"]'))  # waits for the end of the turn
    sock = eio.sockets["s0"]
    sock.closing = True
    eio.turn()
    assert fd.wire == b'\x81\x0742["a"]' and sock.queue.qsize() == 1 and sock.writing


def test_waiting_broadcasts_to_one_room_are_joined_once_and_the_same_bytes_written_to_each():
    fds = [FakeFd() for _ in range(3)]
    server, eio = _members(*fds)
    sends = [_recording(fd) for fd in fds]
    members = list(eio.sockets)
    eventlet_websocket.write_many(server, members, _packet('2["a"]'))  # at once
    eventlet_websocket.write_many(server, list(members), _packet('2["b"]'))
    eventlet_websocket.write_many(server, list(members), _packet('2["c"]'))
    eio.turn()
    assert [len(each) for each in sends] == [2, 2, 2]
    assert sends[0][1] == b'\x81\x0742["b"]\x81\x0742["c"]'
    assert sends[1][1] is sends[0][1] and sends[2][1] is sends[0][1]  # one join for the room


@pytest.mark.parametrize(
    "rooms",
    [
        [["s0", "s1"], ["s2"], ["s0", "s1"], ["s2"]],  # two rooms, no member in common
        [["s0", "s1"], ["s1", "s2"], ["s0"], ["s0", "s1", "s2"]],  # rooms that share members
        [["s0", "s1"], ["s1"], ["s0", "s1"], ["s2"]],  # a room again after one that shares a member
        [["s0", "s1", "s2"], ["s2", "s1", "s0"]],  # the same members, in another order
    ],
)
def test_waiting_broadcasts_reach_exactly_their_members_in_order(rooms):
    fds = [FakeFd() for _ in range(3)]
    server, eio = _members(*fds)
    eventlet_websocket.write_many(server, ["s0"], _packet('2["first"]'))  # at once
    for i, sids in enumerate(rooms):
        eventlet_websocket.write_many(server, list(sids), _packet(f'2["{i}"]'))
    eio.turn()
    for n, fd in enumerate(fds):
        expected = b"".join(b"\x81\x07" + f'42["{i}"]'.encode() for i, sids in enumerate(rooms) if f"s{n}" in sids)
        assert fd.wire.removeprefix(b'\x81\x0b42["first"]') == expected, n


def test_a_long_polling_member_gets_the_waiting_broadcasts_before_what_it_is_sent_meanwhile():
    server, eio = _members(FakeFd())
    polling = eventlet_websocket.LeanSocket(eio, "p")
    polling.connected = True  # not upgraded: no websocket
    eio.sockets["p"] = polling
    eventlet_websocket.write_many(server, ["s0", "p"], _packet('2["a"]'))  # at once (engine.io's queue for p)
    eventlet_websocket.write_many(server, ["s0", "p"], _packet('2["b"]'))  # waits for the end of the turn
    polling.send(_packet('3["ack"]'))
    eventlet_websocket.write_many(server, ["s0", "p"], _packet('2["c"]'))
    eio.turn()
    queued = []
    while polling.queue.qsize():
        queued.append(polling.queue.get().data)
    assert queued == ['2["a"]', '2["b"]', '3["ack"]', '2["c"]']


def test_a_member_sent_things_between_waiting_broadcasts_gets_everything_in_order_in_one_send():
    fds = [FakeFd(), FakeFd()]
    server, eio = _members(*fds)
    sends = _recording(fds[0])
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["a"]'))  # at once
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["b"]'))
    eio.sockets["s0"].send(_packet('3["x"]'))
    eventlet_websocket.write_many(server, ["s1"], _packet('2["c"]'))  # not for s0
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["d"]'))
    eio.sockets["s0"].send(_packet('3["y"]'))
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["e"]'))
    eio.turn()
    assert sends[1:] == [b'\x81\x0742["b"]\x81\x0743["x"]\x81\x0742["d"]\x81\x0743["y"]\x81\x0742["e"]']
    assert fds[1].wire == b"".join(b'\x81\x0742["' + c + b'"]' for c in (b"a", b"b", b"c", b"d", b"e"))
    eventlet_websocket.write_many(server, ["s0"], _packet('2["f"]'))  # the next turn: nothing carried over
    assert sends[2:] == [b'\x81\x0742["f"]'] and eio.plataforma_outbox.taken == {}


def test_a_broadcast_made_while_a_socket_closes_goes_before_its_close_packet():
    """The disconnect handler runs inside close() and may broadcast to rooms the socket is still in:
    that frame and then engine.io's CLOSE go through the writer, in that order (none kept for a flush
    that no longer writes to a closed socket)."""
    server, eio = _members(FakeFd(), FakeFd())
    sock = eio.sockets["s0"]
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    ws.close = lambda: setattr(ws, "websocket_closed", True)
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["first"]'))  # at once; the turn goes on
    left = _packet('2["left"]')
    eio._trigger_event = lambda *args, **kwargs: eventlet_websocket.write_many(server, ["s0", "s1"], left)
    sock.close(wait=False)
    eio.turn()
    assert _wire(sock) == b'\x81\x0b42["first"]' + b'\x81\x0a42["left"]' + b"\x81\x011"
    assert _wire(eio.sockets["s1"]) == b'\x81\x0b42["first"]\x81\x0a42["left"]'


def test_a_closed_socket_is_not_given_the_broadcasts_made_after_its_end(caplog):
    server, eio = _members(FakeFd(), FakeFd())
    sock = eio.sockets["s0"]
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    ws.close = lambda: setattr(ws, "websocket_closed", True)
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["a"]'))  # at once
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["b"]'))
    left = _packet('2["left"]')
    eio._trigger_event = lambda *args, **kwargs: eventlet_websocket.write_many(server, ["s0", "s1"], left)
    with caplog.at_level(logging.INFO, logger=eio.logger.name):
        sock.close(wait=False, abort=True)  # the client is gone: no CLOSE, the end queued
        caplog.clear()
        eio.turn()
    assert _wire(sock) == b'\x81\x0742["a"]\x81\x0742["b"]' and sock.queue.qsize() == 0
    assert "s0: Sending packet" not in caplog.text and "s1: Sending packet" in caplog.text


def test_a_socket_in_the_middle_of_its_upgrade_gets_waiting_broadcasts_as_packets():
    """During the upgrade's probe the long-poll still reads engine.io's queue: packets, not frames."""
    from engineio import payload

    server, eio = _members(FakeFd())
    upgrading = _lean_socket(eio, "u", eventlet_websocket.FanoutWebSocket(FakeGreenSocket(FakeFd()), {}, 13))
    upgrading.upgraded, upgrading.upgrading = False, True
    eventlet_websocket.write_many(server, ["s0", "u"], _packet('2["a"]'))
    eventlet_websocket.write_many(server, ["s0", "u"], _packet('2["b"]'))  # waits for the end of the turn
    upgrading.send(_packet('3["ack"]'))
    eventlet_websocket.write_many(server, ["s0", "u"], _packet('2["c"]'))
    eio.turn()
    packets = upgrading.poll()
    assert [pkt.data for pkt in packets] == ['2["a"]', '2["b"]', '3["ack"]', '2["c"]']
    assert payload.Payload(packets=packets).encode()  # what the long-poll answers with


def test_a_socket_that_fails_at_the_flush_does_not_keep_a_batch_nobody_writes(caplog):
    fds = [FakeFd(), FakeFd()]
    server, eio = _members(*fds)
    sock = eio.sockets["s0"]
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["a"]'))  # at once
    eventlet_websocket.write_many(server, ["s0", "s1"], _packet('2["b"]'))
    sock.send(_packet('3["x"]'))  # s0 caught up: its own batch
    outbox = eio.plataforma_outbox
    outbox.catch_up = lambda *args: (_ for _ in ()).throw(RuntimeError("boom"))
    eio.turn()
    assert "Writing to s0 failed" in caplog.text
    assert fds[1].wire == b'\x81\x0742["a"]\x81\x0742["b"]'  # the other member is not affected
    del outbox.catch_up
    sock.send(_packet('3["y"]'))  # written, not appended to the failed batch
    assert fds[0].wire.endswith(b'\x81\x0743["y"]') and sock.batched is None


def test_closing_with_frames_in_the_outbox_writes_them_before_close_and_does_not_hang():
    """A broadcast, then an ack, then a disconnect in the same turn (as the flood guard's close does):
    the frames go out, then Engine.IO's CLOSE, and close(wait=True) returns."""
    fd = FakeFd()
    server, eio = _members(fd)
    sock = eio.sockets["s0"]
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    closed = []

    def close():  # as eventlet's: nothing can be written after it
        closed.append(True)
        ws.websocket_closed = True
        ws.socket.sendall = lambda data: (_ for _ in ()).throw(OSError("closed"))

    ws.close = close
    eventlet_websocket.write_many(server, ["s0"], _packet('2["first"]'))  # at once
    eventlet_websocket.write_many(server, ["s0"], _packet('2["a"]'))  # waits for the end of the turn
    sock.send(_packet('3["ack"]'))
    eio.eager = True  # the writer runs as soon as it is started; close() waits for the queue
    sock.close()
    eio.run_tasks()  # the turn's flush: nothing left for it
    assert fd.wire == b'\x81\x0b42["first"]'
    assert b"".join(ws.socket.sent) == b'\x81\x0742["a"]\x81\x0943["ack"]' + b"\x81\x011"
    assert closed == [True] and sock.queue.unfinished_tasks == 0 and not sock.writing


def test_the_rest_of_a_partial_frame_holds_the_send_lock_until_it_is_written():
    fd = FakeFd(room=4)
    server, eio = _members(fd)
    sock = eio.sockets["s0"]
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    sock.send(_packet('2["' + "z" * 50 + '"]'))
    assert len(fd.wire) == 4 and ws._sendlock.locked()  # nothing may be written inside this frame
    eio.run_tasks()
    assert not ws._sendlock.locked()
    assert fd.wire + b"".join(ws.socket.sent) == ws._pack_message('42["' + "z" * 50 + '"]')


def test_a_writer_that_meets_a_broken_socket_drops_the_queue_and_frees_the_lock():
    fd = FakeFd(room=4)
    server, eio = _members(fd)
    sock = eio.sockets["s0"]
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    sock.send(_packet('2["' + "z" * 50 + '"]'))  # partial: the rest holds the lock
    sock.send(_packet('2["next"]'))  # queued behind it

    def broken(data):
        raise ConnectionResetError

    ws.socket.sendall = broken
    closed = []
    ws.close = lambda: closed.append(True)
    eio.run_tasks()
    assert not ws._sendlock.locked() and sock.queue.unfinished_tasks == 0 and not sock.writing
    assert closed == [True]


# ---------------------------------------------------------------- LeanSocket: no writer, no pinger per socket


def test_a_lean_socket_writes_directly_and_starts_a_writer_only_for_a_backlog():
    fd = FakeFd()
    server, eio = _members(fd)
    sock = eio.sockets["s0"]
    sock.send(_packet('2["ack"]'))
    assert fd.wire == b'\x81\x0942["ack"]' and eio.tasks == [] and not sock.writing
    fd.room = 3  # the kernel's buffer fills up
    sock.send(_packet('2["one"]'))
    sock.send(_packet('2["two"]'))  # behind the rest of "one", in the queue
    assert len(eio.tasks) == 1 and sock.writing  # one writer for the backlog
    fd.room = None
    eio.run_tasks()
    assert not sock.writing and sock.queue.qsize() == 0
    assert _wire(sock) == b'\x81\x0942["ack"]' + b'\x81\x0942["one"]' + b'\x81\x0942["two"]'
    sock.send(_packet('2["three"]'))  # idle again: direct
    assert fd.wire.endswith(b'\x81\x0b42["three"]') and eio.tasks == []


def test_sends_before_the_upgrade_wait_in_the_queue_for_long_polling():
    fd = FakeFd()
    server, eio = _members(fd)
    sock = eio.sockets["s0"]
    sock.upgraded = False
    sock.send(_packet('2["polled"]'))
    assert fd.wire == b"" and eio.tasks == [] and sock.queue.qsize() == 1  # the GET poll takes it
    assert [p.data for p in sock.poll()] == ['2["polled"]']


def test_closing_writes_the_close_packet_then_closes_the_websocket():
    fd = FakeFd()
    server, eio = _members(fd)
    eio.eager = True
    sock = eio.sockets["s0"]
    ws = getattr(sock, eventlet_websocket.WEBSOCKET_ATTR)
    closed = []
    ws.close = lambda: closed.append(True)
    sock.close()  # waits for the queue to be written (engine.io's wait=True)
    assert sock.closed and not sock.writing and sock.queue.qsize() == 0
    assert b"".join(ws.socket.sent) == b"\x81\x011" and closed == [True]  # Engine.IO CLOSE, then closed


def test_the_pinger_pings_every_socket_in_turn_from_one_task(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(eventlet_websocket.time, "monotonic", lambda: clock[0])
    eio = FakeEngineServer()
    pinged = []

    class Sock:
        def __init__(self, name, fail=False):
            self.sid, self.fail = name, fail

        def ping(self):
            pinged.append((self.sid, clock[0]))
            if self.fail:
                raise OSError("broken")

    def sleep(seconds):
        clock[0] += seconds

    eio.sleep = sleep
    pinger = eio.plataforma_pinger
    pinger.schedule(Sock("a"))
    clock[0] += 5
    pinger.schedule(Sock("b", fail=True))
    pinger.schedule(Sock("c"))
    assert len(eio.tasks) == 1 and pinger.running  # one task, however many sockets
    eio.run_tasks()
    assert pinged == [("a", 1025.0), ("b", 1030.0), ("c", 1030.0)]  # each ping_interval after scheduling
    assert not pinger.running and not pinger.due
    pinger.schedule(Sock("d"))  # a new schedule starts the task again
    assert len(eio.tasks) == 1


def test_a_lean_socket_pings_and_reschedules_only_after_the_pong():
    fd = FakeFd()
    server, eio = _members(fd)
    sock = eio.sockets["s0"]
    sock.ping()
    assert fd.wire == b"\x81\x012" and sock.last_ping  # Engine.IO PING, waiting for the pong
    sock.schedule_ping()  # the pong
    assert sock.last_ping is None and len(eio.plataforma_pinger.due) == 1
    sock.schedule_ping()  # a second pong without a ping schedules nothing
    assert len(eio.plataforma_pinger.due) == 1
    sock.closed = True
    sock.ping()
    assert fd.wire == b"\x81\x012"


def test_install_makes_every_engine_io_socket_lean():
    import socketio
    from engineio import socket as engineio_socket

    server = socketio.Server(async_mode="eventlet")
    seen = []
    server.eio.handlers["connect"] = lambda sid, environ: seen.append(type(server.eio.sockets[sid]))
    eventlet_websocket.install(server, compression=False)
    server.eio.sockets["x"] = engineio_socket.Socket(server.eio, "x")
    server.eio.handlers["connect"]("x", {})
    assert seen == [eventlet_websocket.LeanSocket]
    assert isinstance(server.eio.plataforma_pinger, eventlet_websocket.Pinger)


def test_connections_turn_nagle_off():
    """Without TCP_NODELAY an ack written right after a broadcast frame waited ~40 ms for the
    client's delayed ACK (seen in benchmarks/flood.py's socket probes)."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = eventlet_websocket.LeanHttpProtocol.__new__(eventlet_websocket.LeanHttpProtocol)
        protocol.request = accepted
        protocol.setup()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert protocol.rfile.raw is not None  # the small buffers are still made
    finally:
        for sock in (client, accepted, listener):
            sock.close()


def test_sends_are_logged_as_engine_io_logs_them(caplog, monkeypatch):
    """With ``engineio_logger`` on, every packet gets engine.io's "Sending packet" line, written directly or not."""
    fds = [FakeFd(), FakeFd(room=0)]  # the second one's kernel buffer is full: its frame is queued
    server, eio = _members(*fds)
    calls = []
    monkeypatch.setattr(eio.logger, "info", lambda *args: calls.append(args))
    eventlet_websocket.write_many(server, list(eio.sockets), _packet('2["new_message"]'))
    assert calls == []  # the logger is off by default: not even called
    eio.turn()
    monkeypatch.undo()
    caplog.set_level(logging.INFO, logger=eio.logger.name)
    eventlet_websocket.write_many(server, list(eio.sockets), _packet('2["new_message",2]'))
    eio.sockets["s0"].send(_packet('3["ack"]'))
    eventlet_websocket.write_many(server, list(eio.sockets), _packet('2["new_message",3]'))  # the turn's second
    eio.sockets["s0"].send(_packet('3["ack",2]'))  # the broadcast waiting for s0 goes first
    eio.turn()
    assert [record.getMessage() for record in caplog.records] == [
        's0: Sending packet MESSAGE data 2["new_message",2]',
        's1: Sending packet MESSAGE data 2["new_message",2]',
        's0: Sending packet MESSAGE data 3["ack"]',
        's0: Sending packet MESSAGE data 2["new_message",3]',
        's0: Sending packet MESSAGE data 3["ack",2]',
        's1: Sending packet MESSAGE data 2["new_message",3]',
    ]
