"""``services.redis.listen``: the one subscription loop behind the actor-change and ban listeners."""

from __future__ import annotations

import threading
import time

from plataforma.services import redis as shared_redis


def test_listen_hands_on_messages_and_reports_gaps(redis_url, unique_prefix):
    import redis

    channel = f"{unique_prefix}:listen"
    received, gaps = [], []
    subscribed = threading.Event()

    def on_gap():
        gaps.append(time.monotonic())
        subscribed.set()

    worker = threading.Thread(
        target=shared_redis.listen,
        args=(redis_url, channel, received.append, on_gap),
        kwargs={"name": "test listener", "sleep": time.sleep},
        daemon=True,  # the loop runs for ever, like the server's background tasks
    )
    worker.start()
    assert subscribed.wait(5), "never subscribed"
    publisher = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        publisher.publish(channel, "hello")
        time.sleep(0.05)
    publisher.close()
    assert received and set(received) == {b"hello"}
    assert len(gaps) == 1  # one subscription, no failure
