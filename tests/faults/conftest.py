"""Fault tests: servers of our own that the tests stop and start (see servers.py)."""

from __future__ import annotations

import pytest

from tests.faults.servers import PostgresCluster, RedisServer
from tests.realtime.conftest import (  # noqa: F401  (fixtures shared with the realtime tests)
    background_tasks,
    e2e_app,
    e2e_clients,
    e2e_content,
    e2e_users,
    sio,
)


@pytest.fixture
def redis_server():
    """A redis-server of this test's own: ``.stop()`` / ``.start()`` it at will."""
    server = RedisServer()
    try:
        yield server.start()
    finally:
        server.cleanup()


@pytest.fixture
def postgres_cluster():
    """A throw-away PostgreSQL cluster (initdb) on a free port, removed afterwards."""
    cluster = PostgresCluster()
    try:
        yield cluster.start()
    finally:
        cluster.cleanup()
