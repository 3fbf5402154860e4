"""The chat batcher (``realtime.batches``), with real threads: what arrives while a batch is stored
goes into the next one, in order; a lone message is a batch of one at once; each post gets its own
outcome, and a failed batch neither hangs its posts nor the batcher."""

from __future__ import annotations

import threading
import time

import pytest

from plataforma.realtime.batches import Batcher, Post

WAIT = 5


class Store:
    """A ``run`` that records its batches; the first one waits until ``release`` is set."""

    def __init__(self, fail_on: str | None = None):
        self.batches: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, batch: list[Post]) -> None:
        self.batches.append([post.text for post in batch])
        self.started.set()
        if len(self.batches) == 1:
            assert self.release.wait(WAIT)
        if any(post.text == self.fail_on for post in batch):
            raise RuntimeError("the store failed")
        for post in batch:
            post.outcome = ValueError(post.text) if post.text.startswith("bad") else {"text": post.text}


def _submit_in_thread(batcher: Batcher, text: str, outcomes: dict) -> threading.Thread:
    def run():
        try:
            outcomes[text] = batcher.submit(Post(None, "s", text))
        except Exception as exc:
            outcomes[text] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _queued(batcher: Batcher, n: int) -> None:
    deadline = time.monotonic() + WAIT
    while len(batcher._queue) < n:
        assert time.monotonic() < deadline, "the posts did not queue"
        time.sleep(0.005)


def test_a_lone_post_is_a_batch_of_one_at_once():
    store = Store()
    store.release.set()
    batcher = Batcher(store)
    assert batcher.submit(Post(None, "s", "hello")) == {"text": "hello"}
    assert store.batches == [["hello"]]
    assert batcher.submit(Post(None, "s", "again")) == {"text": "again"}
    assert store.batches == [["hello"], ["again"]]


def test_a_new_leader_yields_once_and_what_arrived_meanwhile_joins_its_batch():
    """Under eventlet the leader's yield lets the events read in the same turn of the hub submit
    first; here ``gather`` stands for that turn: two posts arrive while the leader yields."""
    store = Store()
    store.release.set()
    outcomes: dict = {}
    threads: list[threading.Thread] = []
    gathered = []

    def gather():
        gathered.append(True)
        for i, text in enumerate(["same turn a", "same turn b"]):
            threads.append(_submit_in_thread(batcher, text, outcomes))
            _queued(batcher, i + 2)  # behind the leader's own post

    batcher = Batcher(store, gather=gather)
    assert batcher.submit(Post(None, "s", "leader")) == {"text": "leader"}
    for thread in threads:
        thread.join(WAIT)
    assert store.batches == [["leader", "same turn a", "same turn b"]]  # one transaction, not two
    assert outcomes == {"same turn a": {"text": "same turn a"}, "same turn b": {"text": "same turn b"}}
    assert gathered == [True]  # only a new leader yields: the two waited for it


def test_what_arrives_during_a_batch_is_the_next_batch_in_order_and_each_gets_its_own_outcome():
    store = Store()
    batcher = Batcher(store, limit=3)
    outcomes: dict = {}
    threads = [_submit_in_thread(batcher, "first", outcomes)]
    assert store.started.wait(WAIT)
    for i, text in enumerate(["a", "b", "bad c", "d", "e"]):
        threads.append(_submit_in_thread(batcher, text, outcomes))
        _queued(batcher, i + 1)  # one at a time: the queue's order is the order of arrival
    store.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert store.batches == [["first"], ["a", "b", "bad c"], ["d", "e"]]  # at most ``limit`` each
    assert outcomes["a"] == {"text": "a"} and outcomes["e"] == {"text": "e"}
    assert isinstance(outcomes["bad c"], ValueError)  # raised in its own submitter
    assert batcher._queue == [] and not batcher._busy


def test_a_failed_batch_answers_each_of_its_posts_with_the_error_and_the_next_batch_runs():
    store = Store(fail_on="boom")
    batcher = Batcher(store)
    outcomes: dict = {}
    first = _submit_in_thread(batcher, "first", outcomes)
    assert store.started.wait(WAIT)
    waiting = [_submit_in_thread(batcher, "boom", outcomes)]
    _queued(batcher, 1)
    waiting.append(_submit_in_thread(batcher, "also in the failed batch", outcomes))
    _queued(batcher, 2)
    store.release.set()
    for thread in [first, *waiting]:
        thread.join(WAIT)
        assert not thread.is_alive()
    assert outcomes["first"] == {"text": "first"}
    assert isinstance(outcomes["boom"], RuntimeError)
    assert outcomes["also in the failed batch"] is outcomes["boom"]
    assert batcher.submit(Post(None, "s", "later")) == {"text": "later"}


def test_a_batch_that_leaves_a_post_unanswered_does_not_hang_it():
    def forgetful(batch: list[Post]) -> None:
        batch[0].outcome = {"text": batch[0].text}  # the others are left unanswered

    batcher = Batcher(forgetful)
    assert batcher.submit(Post(None, "s", "one")) == {"text": "one"}
    gate = threading.Event()

    def slow_then_forgetful(batch: list[Post]) -> None:
        gate.wait(WAIT)
        forgetful(batch)

    batcher._run = slow_then_forgetful
    outcomes: dict = {}
    leader = _submit_in_thread(batcher, "leader", outcomes)
    time.sleep(0.05)
    second = _submit_in_thread(batcher, "second", outcomes)
    third = _submit_in_thread(batcher, "third", outcomes)
    _queued(batcher, 2)
    batcher._run = forgetful
    gate.set()
    for thread in (leader, second, third):
        thread.join(WAIT)
        assert not thread.is_alive()
    # "second" led the next batch and was answered; "third" came with it and was not.
    assert outcomes["leader"] == {"text": "leader"} and outcomes["second"] == {"text": "second"}
    assert isinstance(outcomes["third"], RuntimeError)


@pytest.mark.parametrize("posts", [1, 40])
def test_many_concurrent_posts_are_all_answered(posts):
    store = Store()
    store.release.set()
    batcher = Batcher(store, limit=8)
    outcomes: dict = {}
    threads = [_submit_in_thread(batcher, f"m{i}", outcomes) for i in range(posts)]
    for thread in threads:
        thread.join(WAIT)
    assert outcomes == {f"m{i}": {"text": f"m{i}"} for i in range(posts)}
    assert sorted(text for batch in store.batches for text in batch) == sorted(outcomes)
    assert all(len(batch) <= 8 for batch in store.batches)
