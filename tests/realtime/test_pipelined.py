"""A socket's burst of chat messages is stored in batches (``packets._drain`` with
``batches.pipelined``), with real threads: the connection's events are still handled in the order
read, a chat message lets the next event start once it is queued for storing, any other event waits
until the messages before it are answered, and a handler that fails before queuing stalls nothing."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from plataforma.realtime import packets
from plataforma.realtime.batches import Batcher, Post, pipelined
from plataforma.realtime.connections import Connection
from tests.realtime.test_batches import WAIT, Store, _queued


class Manager:
    def sid_from_eio_sid(self, eio_sid, namespace):
        return "sid"

    def is_connected(self, sid, namespace):
        return True


class Server:
    """What ``_drain`` uses of a ``socketio.Server``: each event's handler appends to ``log``."""

    def __init__(self, batcher: Batcher):
        self.manager, self.batcher, self.log = Manager(), batcher, []
        self.lock = threading.Lock()

    def start_background_task(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def _handle_event_internal(self, server, sid, eio_sid, data, namespace, pkt_id):
        event, text = data
        if event == "send_message":
            if text.startswith("refused"):
                raise RuntimeError("refused before it was queued")
            outcome = self.batcher.submit(Post(None, "s", text))
            self._record(f"answered {outcome['text']}")
        else:
            self._record(event)

    def _record(self, entry: str) -> None:
        with self.lock:
            self.log.append(entry)


def _drain_in_thread(server: Server, events: list[tuple[str, str]]) -> tuple[Connection, threading.Thread]:
    conn = Connection(sid="sid", user_id=uuid.uuid4(), jti=None, expires_at=None)
    for event in events:
        conn.queue_event(("/", None, list(event)))
    thread = threading.Thread(target=packets._drain, args=(server, "eio", conn, set()), daemon=True)
    thread.start()
    return conn, thread


def _wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def test_a_sockets_burst_of_messages_is_stored_in_batches_in_order_and_other_events_wait_for_them():
    store = Store()
    server = Server(Batcher(store))
    burst = [("send_message", f"m{i}") for i in range(1, 6)]
    conn, drain = _drain_in_thread(server, [*burst, ("leave_session", ""), ("send_message", "m6")])

    assert store.started.wait(WAIT)  # the first batch is held: the rest of the burst queues behind it
    _wait_until(lambda: len(store.batches[0]) + len(server.batcher._queue) == 5, "the burst did not queue")
    time.sleep(0.05)
    assert server.log == []  # leave_session waits for the messages read before it
    store.release.set()
    drain.join(WAIT)
    _wait_until(lambda: conn.storing is None, "m6 was not answered")

    assert not drain.is_alive() and conn.handling is False and conn.inbox is None
    assert [text for batch in store.batches for text in batch] == ["m1", "m2", "m3", "m4", "m5", "m6"]
    assert len(store.batches) == 3 and store.batches[-1] == ["m6"]  # the burst in two transactions, not five
    # A batch's posts are answered together (in no particular order); leave_session after all five.
    assert sorted(server.log[:5]) == [f"answered m{i}" for i in range(1, 6)]
    assert server.log[5:] == ["leave_session", "answered m6"]


def test_a_socket_has_at_most_pipeline_depth_messages_in_flight(monkeypatch):
    monkeypatch.setattr(packets, "PIPELINE_DEPTH", 3)
    store = Store()
    server = Server(Batcher(store))
    conn, drain = _drain_in_thread(server, [("send_message", f"m{i}") for i in range(1, 7)])

    assert store.started.wait(WAIT)
    _wait_until(lambda: len(store.batches[0]) + len(server.batcher._queue) == 3, "the burst did not queue")
    time.sleep(0.05)
    assert len(store.batches[0]) + len(server.batcher._queue) == 3 and len(conn.storing) == 3
    assert len(conn.inbox) == 2  # m4 waits in the drain for room, m5 and m6 in the inbox
    store.release.set()
    drain.join(WAIT)
    _wait_until(lambda: conn.storing is None, "the burst was not answered")
    assert [text for batch in store.batches for text in batch] == [f"m{i}" for i in range(1, 7)]
    assert sorted(server.log) == [f"answered m{i}" for i in range(1, 7)]


def test_a_message_refused_before_it_is_queued_stalls_neither_the_burst_nor_the_drain():
    store = Store()
    store.release.set()
    server = Server(Batcher(store))
    conn, drain = _drain_in_thread(server, [("send_message", "refused"), ("send_message", "m2"), ("ping", "")])
    drain.join(WAIT)
    assert not drain.is_alive() and conn.inbox is None and conn.storing is None
    assert store.batches == [["m2"]]
    assert server.log == ["answered m2", "ping"]


def test_pipelined_signals_once_the_post_is_queued_not_when_it_is_answered():
    store = Store()
    batcher = Batcher(store)
    first = threading.Thread(target=lambda: batcher.submit(Post(None, "s", "held")), daemon=True)
    first.start()
    assert store.started.wait(WAIT)

    queued, answer = threading.Event(), {}
    second = threading.Thread(
        target=pipelined, args=(lambda: answer.update(batcher.submit(Post(None, "s", "next"))), queued), daemon=True
    )
    second.start()
    assert queued.wait(WAIT)
    _queued(batcher, 1)
    assert answer == {}  # queued, still waiting for the held batch
    store.release.set()
    second.join(WAIT)
    assert answer == {"text": "next"}


def test_pipelined_signals_when_nothing_was_submitted():
    def refused():
        raise RuntimeError("refused before anything was submitted")

    queued = threading.Event()
    with pytest.raises(RuntimeError):
        pipelined(refused, queued)
    assert queued.is_set()
