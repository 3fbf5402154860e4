"""Viewer counts in memory and in Redis (shared by processes, healed after a crash)."""

from __future__ import annotations

import time

import pytest
from redis import exceptions as redis_errors

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


def test_join_and_leave_say_whether_the_distinct_count_changed(redis_client, unique_prefix):
    for presence in (MemoryPresence(), RedisPresence(redis_client, unique_prefix, proc="a")):
        assert presence.join("s1", "alice") == (1, True)
        assert presence.join("s1", "alice") == (1, False)  # a second tab
        assert presence.join("s1", "bob") == (2, True)
        assert presence.leave("s1", "alice") == (2, False)
        assert presence.leave("s1", "alice") == (1, True)
        assert presence.leave("s1", "alice") == (1, False)  # not there: nothing changes
        assert presence.leave("s1", "bob") == (0, True)


def test_a_reaped_process_that_joins_before_its_heartbeat_still_republishes(redis_client, unique_prefix):
    """The join script used to re-register the process in ``procs``, so its next heartbeat did
    not notice the reaping and its other viewers stayed uncounted for good."""
    slow = RedisPresence(redis_client, unique_prefix, proc="slow")
    other = RedisPresence(redis_client, unique_prefix, proc="other")
    now = time.time()
    slow.heartbeat(now - DEAD_AFTER_SECONDS - 5)
    slow.add("s1", "alice")
    other.heartbeat(now)  # "slow" looked dead: alice is no longer counted
    assert other.count("s1") == 0

    slow.add("s1", "bob")  # "slow" wakes up and handles a join before its heartbeat
    assert other.count("s1") == 1
    assert slow.heartbeat(now + 1) == ["s1"]
    assert other.count("s1") == 2
    assert redis_client.hgetall(f"{unique_prefix}:p:slow:s1") == {"alice": "1", "bob": "1"}


class Flaky:
    """A registered script that fails ``times`` times (Redis unreachable), then works."""

    def __init__(self, script, times=1):
        self.script, self.times = script, times

    def __call__(self, *args, **kwargs):
        if self.times:
            self.times -= 1
            raise redis_errors.ConnectionError("Redis is down")
        return self.script(*args, **kwargs)


def test_a_failed_join_does_not_count_locally_and_a_failed_leave_heals_at_the_heartbeat(redis_client, unique_prefix):
    presence = RedisPresence(redis_client, unique_prefix, proc="p")
    presence.heartbeat()
    presence._join = Flaky(presence._join)
    with pytest.raises(redis_errors.ConnectionError):
        presence.add("s1", "alice")
    assert presence._mine == {}  # the join failed: this process does not count alice
    assert presence.add("s1", "bob") == 1

    presence._leave = Flaky(presence._leave)
    with pytest.raises(redis_errors.ConnectionError):
        presence.remove("s1", "bob")
    assert presence.count("s1") == 1  # Redis still counts bob...
    assert presence.heartbeat() == ["s1"]  # ...until the next heartbeat re-publishes this process's share
    assert presence.count("s1") == 0
    assert presence.add("s1", "bob") == 1


def test_a_clean_shutdown_takes_the_process_share_out_at_once(redis_client, unique_prefix):
    leaving = RedisPresence(redis_client, unique_prefix, proc="leaving")
    staying = RedisPresence(redis_client, unique_prefix, proc="staying")
    leaving.add("s1", "alice")
    staying.add("s1", "bob")
    assert leaving.shutdown() == ["s1"]
    assert staying.count("s1") == 1
    assert redis_client.zrange(f"{unique_prefix}:procs", 0, -1) == ["staying"]
