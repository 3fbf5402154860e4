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


def _in_thread(fn) -> threading.Thread:
    thread = threading.Thread(target=fn)
    thread.start()
    return thread


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, make_user, monkeypatch):
    from plataforma.models import Profile, Role
    from plataforma.services import accounts

    first, second = make_user("ADMIN"), make_user("ADMIN")
    counted, release = threading.Event(), threading.Event()
    real_count = accounts._admin_count

    def count_then_wait():
        result = real_count()
        if not counted.is_set():  # the first demotion pauses after counting two admins
            counted.set()
            release.wait(JOIN_TIMEOUT)
        return result

    monkeypatch.setattr(accounts, "_admin_count", count_then_wait)
    results = {}

    def demote(actor, target, key):
        response = app.test_client().patch(
            f"/api/profiles/{target.id}", headers=actor.headers, json={"role": "ATTENDEE"}
        )
        results[key] = response.status_code

    one = _in_thread(lambda: demote(first, second, "one"))
    assert counted.wait(JOIN_TIMEOUT)
    two = _in_thread(lambda: demote(second, first, "two"))
    two.join(0.5)  # with the lock it waits for the first demotion; without, it would finish now
    release.set()
    one.join(JOIN_TIMEOUT)
    two.join(JOIN_TIMEOUT)
    assert results == {"one": 200, "two": 409}
    with app.app_context():
        admins = db.session.scalar(sa.select(sa.func.count()).select_from(Profile).where(Profile.role == Role.ADMIN))
    assert admins == 1


def test_closing_a_poll_waits_for_a_vote_in_flight(app, attendee, moderator, live_session, request):
    """A vote that saw the poll open is stored before the close commits, never after it."""
    from sqlalchemy.orm import Session

    poll = seed_poll(app, live_session, active=True)
    checked, release = threading.Event(), threading.Event()

    def pause_before_the_vote_is_written(session, _context, _instances):  # after the is_active check
        if any(isinstance(obj, PollVote) for obj in session.new):
            checked.set()
            release.wait(JOIN_TIMEOUT)

    sa.event.listen(Session, "before_flush", pause_before_the_vote_is_written)
    request.addfinalizer(lambda: sa.event.remove(Session, "before_flush", pause_before_the_vote_is_written))
    results = {}
    body = {"pollId": poll["id"], "optionId": poll["options"][0]}
    voting = _in_thread(
        lambda: results.setdefault(
            "vote", app.test_client().post("/api/polls/vote", headers=attendee.headers, json=body).status_code
        )
    )
    assert checked.wait(JOIN_TIMEOUT)
    url = f"/api/polls/{poll['id']}/activate"
    closing = _in_thread(
        lambda: results.setdefault(
            "close", app.test_client().patch(url, headers=moderator.headers, json={"isActive": False}).status_code
        )
    )
    closing.join(0.5)
    closed_while_the_vote_was_in_flight = not closing.is_alive()
    release.set()
    voting.join(JOIN_TIMEOUT)
    closing.join(JOIN_TIMEOUT)
    assert not closed_while_the_vote_was_in_flight
    assert results == {"vote": 201, "close": 200}
    with app.app_context():
        assert db.session.get(Poll, uuid.UUID(poll["id"])).is_active is False
        votes = db.session.scalar(
            sa.select(sa.func.count()).select_from(PollVote).where(PollVote.poll_id == uuid.UUID(poll["id"]))
        )
    assert votes == 1
