"""Chat flood control (the service REST and sockets share)."""

from __future__ import annotations

import uuid

import pytest

from plataforma.errors import RateLimited
from plataforma.services.flood import check_chat_rate


def _send(app, user, session, times: int) -> list[bool]:
    results = []
    with app.app_context():
        for _ in range(times):
            try:
                check_chat_rate(user, session)
                results.append(True)
            except RateLimited as exc:
                assert exc.status == 429 and exc.code == "rate_limited"
                assert 1 <= exc.retry_after <= 60
                results.append(False)
    return results


def test_default_is_five_per_five_seconds(app):
    assert app.config["CHAT_RATE_LIMIT"] == "5 per 5 seconds"
    assert _send(app, uuid.uuid4(), uuid.uuid4(), 6) == [True] * 5 + [False]


def test_limits_are_per_user_and_per_session(make_app):
    app = make_app(CHAT_RATE_LIMIT="2 per minute")
    user, other_user, session, other_session = (uuid.uuid4() for _ in range(4))
    assert _send(app, user, session, 3) == [True, True, False]
    assert _send(app, user, other_session, 1) == [True]
    assert _send(app, other_user, session, 1) == [True]


def test_with_redis_two_processes_share_one_budget(make_app, redis_url, unique_prefix):
    config = {"CHAT_RATE_LIMIT": "3 per minute", "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": unique_prefix}
    first, second = make_app(**config), make_app(**config)
    user, session = uuid.uuid4(), uuid.uuid4()
    assert _send(first, user, session, 2) == [True, True]
    assert _send(second, user, session, 2) == [True, False]


@pytest.mark.parametrize("spec", ["1 per second", "10/minute"])
def test_the_limit_is_configurable(make_app, spec):
    app = make_app(CHAT_RATE_LIMIT=spec)
    expected = 1 if spec.startswith("1 ") else 10
    assert _send(app, uuid.uuid4(), uuid.uuid4(), expected + 1) == [True] * expected + [False]
