"""Viewer counts in memory and in Redis (shared by processes, healed after a crash)."""

from __future__ import annotations

import pytest

from plataforma.realtime.presence import DEAD_AFTER_SECONDS, MemoryPresence, RedisPresence


def test_memory_counts_distinct_users():
    presence = MemoryPresence()
    assert presence.add("s1", "alice") == 1
    assert presence.add("s1", "alice") == 1  # second tab
    assert presence.add("s1", "bob") == 2
    assert presence.add("s2", "bob") == 1
    assert presence.remove("s1", "alice") == 2
    assert presence.remove("s1", "alice") == 1
    assert presence.count("s1") == 1
    assert presence.remove("s1", "bob") == 0
    assert presence.remove("s1", "bob") == 0  # unknown: never negative
    assert presence.count("s2") == 1
    assert presence.heartbeat() == []


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def test_redis_counts_distinct_users_across_processes(redis_client, unique_prefix):
    a = RedisPresence(redis_client, unique_prefix, proc="a")
    b = RedisPresence(redis_client, unique_prefix, proc="b")
    assert a.add("s1", "alice") == 1
    assert b.add("s1", "alice") == 1  # same user, another process
    assert b.add("s1", "bob") == 2
    assert a.count("s1") == b.count("s1") == 2
    assert a.remove("s1", "alice") == 2
    assert b.remove("s1", "alice") == 1
    assert b.remove("s1", "bob") == 0
    assert a.remove("s1", "bob") == 0  # a never counted bob: nothing changes
    assert a.count("s1") == 0


def test_a_dead_process_is_reaped(redis_client, unique_prefix):
    alive = RedisPresence(redis_client, unique_prefix, proc="alive")
    crashed = RedisPresence(redis_client, unique_prefix, proc="crashed")
    now = 1_000_000.0
    alive.heartbeat(now)
    crashed.heartbeat(now)
    alive.add("s1", "alice")
    crashed.add("s1", "bob")
    crashed.add("s1", "bob")
    crashed.add("s1", "alice")
    crashed.add("s2", "carol")
    redis_client.zadd(f"{unique_prefix}:procs", {"alive": now, "crashed": now})
    assert alive.count("s1") == 2 and alive.count("s2") == 1

    # "crashed" stops heartbeating; "alive" keeps going.
    assert alive.heartbeat(now + DEAD_AFTER_SECONDS / 2) == []
    assert sorted(alive.heartbeat(now + DEAD_AFTER_SECONDS + 1)) == ["s1", "s2"]

    assert alive.count("s1") == 1 and alive.count("s2") == 0
    assert redis_client.hgetall(f"{unique_prefix}:s:s1") == {"alice": "1"}
    assert redis_client.zrange(f"{unique_prefix}:procs", 0, -1) == ["alive"]
    assert not redis_client.exists(f"{unique_prefix}:p:crashed:sessions")


def test_a_process_reaped_by_mistake_republishes_its_viewers(redis_client, unique_prefix):
    slow = RedisPresence(redis_client, unique_prefix, proc="slow")
    other = RedisPresence(redis_client, unique_prefix, proc="other")
    now = 2_000_000.0
    slow.add("s1", "alice")
    slow.add("s1", "alice")
    redis_client.zadd(f"{unique_prefix}:procs", {"slow": now})
    other.heartbeat(now + DEAD_AFTER_SECONDS + 1)  # "slow" looked dead
    assert other.count("s1") == 0

    assert slow.heartbeat(now + DEAD_AFTER_SECONDS + 2) == ["s1"]
    assert other.count("s1") == 1
    assert slow.remove("s1", "alice") == 1
    assert slow.remove("s1", "alice") == 0
    assert redis_client.hgetall(f"{unique_prefix}:s:s1") == {}
