"""Concurrency: "once per user" and counters hold under simultaneous requests.

Real concurrency needs a real database server: SQLite serialises writers, so
these run on PostgreSQL only. Each thread has its own test client (and so its
own app context and database session); a Barrier releases them together.
"""

import threading
import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Poll, PollVote, Question, QuestionUpvote
from tests.api.interaction_support import seed_poll, seed_question

JOIN_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("race tests need PostgreSQL (set TEST_DATABASE_URL); SQLite serialises all writers")


def _run_together(app, requests) -> list[tuple[int, str | None]]:
    """Run each ``request(client)`` in its own thread, all released at once.

    Returns ``(status, error code or None)`` per request."""
    barrier = threading.Barrier(len(requests), timeout=JOIN_TIMEOUT)
    results: list[tuple[int, str | None] | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def worker(index, request):
        client = app.test_client()
        try:
            barrier.wait()
            response = request(client)
            body = response.get_json(silent=True) or {}
            error = body.get("error", {}).get("code") if isinstance(body, dict) else None
            results[index] = (response.status_code, error)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not errors, errors
    return results


def test_twelve_users_upvoting_at_once_count_twelve(app, make_user, admin, live_session):
    question_id = seed_question(app, live_session, admin.id)
    voters = [make_user() for _ in range(12)]
    url = f"/api/questions/{question_id}/upvote"
    statuses = _run_together(app, [lambda c, h=v.headers: c.patch(url, headers=h) for v in voters])
    assert statuses == [(200, None)] * 12
    with app.app_context():
        question = db.session.get(Question, uuid.UUID(question_id))
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionUpvote))
        assert (question.upvotes, rows) == (12, 12)


def test_one_user_voting_eight_times_at_once_counts_once(app, attendee, live_session):
    poll = seed_poll(app, live_session, ["A", "B"], active=True)
    body = {"pollId": poll["id"], "optionId": poll["options"][0]}
    statuses = _run_together(
        app, [lambda c: c.post("/api/polls/vote", json=body, headers=attendee.headers) for _ in range(8)]
    )
    assert sorted(statuses, key=lambda r: r[0]) == [(201, None)] + [(409, "already_voted")] * 7
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)) == 1


def test_simultaneous_activations_leave_exactly_one_active_poll(app, moderator, live_session):
    polls = [seed_poll(app, live_session, age_seconds=i) for i in range(6)]
    statuses = _run_together(
        app,
        [
            lambda c, p=p: c.patch(f"/api/polls/{p['id']}/activate", json={"isActive": True}, headers=moderator.headers)
            for p in polls
        ],
    )
    assert statuses == [(200, None)] * 6  # serialised by the session row lock: no unique-index 409s
    with app.app_context():
        active = db.session.scalar(sa.select(sa.func.count()).select_from(Poll).where(Poll.is_active.is_(True)))
        assert active == 1
