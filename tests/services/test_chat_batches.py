"""Chat messages stored together (``chat.post_messages``, the socket path's batches): each is checked
as if it came alone, a refused one changes nothing, and the session's settings and the webhook
subscriptions are read once for the batch."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from plataforma.errors import AppError, NotFound
from plataforma.extensions import db
from plataforma.models import Message, Profile, SessionEvent, Webhook, WebhookDelivery
from plataforma.services import chat, commit, events


def _actors(make_user, n: int) -> list[uuid.UUID]:
    return [uuid.UUID(make_user().id) for _ in range(n)]


def test_a_batch_is_stored_in_order_and_reads_the_session_and_the_webhooks_once(
    app, make_user, content, count_queries, is_postgres
):
    session_id = content.session()
    ids = _actors(make_user, 3)
    with app.test_request_context():
        db.session.add(Webhook(url="https://hooks.example.com/in", events=["message.created"], secret="whsec_x"))
        commit()
        actors = [db.session.get(Profile, user_id) for user_id in ids]
        with count_queries() as q:
            results = chat.post_messages([(actor, session_id, f"message {i}") for i, actor in enumerate(actors)])
            commit()
        assert [message["text"] for message in results] == ["message 0", "message 1", "message 2"]
        assert [message["userId"] for message in results] == [str(user_id) for user_id in ids]
        stored = db.session.scalars(sa.select(Message.text).order_by(Message.created_at, Message.text)).all()
        assert stored == ["message 0", "message 1", "message 2"]
        logged = db.session.execute(sa.select(SessionEvent.seq, SessionEvent.data).order_by(SessionEvent.seq)).all()
        assert [seq for seq, _ in logged] == [1, 2, 3]
        assert [data for _, data in logged] == results  # the acks' data is what the room got and a resume replays
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 3

    def reads_of(table: str) -> list[str]:
        return [s for s in q.statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s]

    assert len(reads_of("event_sessions")) == 1
    assert len(reads_of("webhooks")) == 2  # the subscriptions, then the one subscribed webhook

    def writes_to(table: str) -> list[str]:
        return [s for s in q.statements if s.lstrip().startswith(f"INSERT INTO {table} ")]

    # Three messages: one insert, and their events numbered and stored: on PostgreSQL in one statement
    # (the counter's upsert as a CTE), elsewhere an upsert for the three seqs and an insert of the events.
    assert len(writes_to("messages")) == 1
    numbered = [s for s in q.statements if s.lstrip().startswith("WITH advanced AS")]
    if is_postgres:
        assert len(numbered) == 1 and "INSERT INTO session_events " in numbered[0]
        assert not writes_to("session_event_counters") and not writes_to("session_events")
    else:
        assert not numbered
        assert len(writes_to("session_event_counters")) == 1
        assert len(writes_to("session_events")) == 1
    # With the session read, the two webhook reads and the three deliveries' insert: six statements for
    # three messages on PostgreSQL, seven elsewhere (the event's bans are read once per process and
    # cached, see services.bans).
    assert len([s for s in q.statements if "FROM event_bans" not in s]) == (6 if is_postgres else 7)


def test_a_refused_message_gets_its_error_and_the_others_are_stored(app, make_user, content):
    session_id = content.session(blocked_terms=["forbidden"])
    closed = content.session(chat_enabled=False)
    first, second = _actors(make_user, 2)
    with app.test_request_context():
        one, two = db.session.get(Profile, first), db.session.get(Profile, second)
        results = chat.post_messages(
            [
                (one, session_id, "hello"),
                (two, session_id, "a forbidden word"),
                (two, str(uuid.uuid4()), "to nowhere"),
                (one, closed, "chat is off"),
                (two, session_id, "hello again"),
            ]
        )
        commit()
        assert [results[0]["text"], results[4]["text"]] == ["hello", "hello again"]
        assert [getattr(r, "code", None) for r in results[1:4]] == ["blocked_term", NotFound.code, "chat_disabled"]
        assert all(isinstance(r, AppError) for r in results[1:4])
        stored = db.session.scalars(sa.select(Message.text).order_by(Message.created_at, Message.text)).all()
        assert stored == ["hello", "hello again"]
        events = db.session.execute(sa.select(SessionEvent.session_id, SessionEvent.seq)).all()
        assert sorted(seq for _, seq in events) == [1, 2]
        assert {str(sid) for sid, _ in events} == {session_id}


def test_a_batch_for_several_sessions_numbers_each_sessions_events_without_a_gap(app, make_user, content):
    one, two = content.session(), content.session()
    (author,) = _actors(make_user, 1)
    with app.test_request_context():
        actor = db.session.get(Profile, author)
        texts = [(one, "a1"), (two, "b1"), (one, "a2"), (two, "b2"), (one, "a3")]
        results = chat.post_messages([(actor, session_id, text) for session_id, text in texts])
        commit()
        assert [message["text"] for message in results] == [text for _, text in texts]
        rows = db.session.execute(
            sa.select(SessionEvent.session_id, SessionEvent.seq, SessionEvent.data).order_by(SessionEvent.seq)
        ).all()
        by_session: dict = {}
        for session_id, seq, data in rows:
            by_session.setdefault(str(session_id), []).append((seq, data["text"]))
        assert by_session == {one: [(1, "a1"), (2, "a2"), (3, "a3")], two: [(1, "b1"), (2, "b2")]}


def test_two_batches_over_the_same_sessions_in_opposite_orders_do_not_deadlock(
    app, make_user, content, is_postgres, monkeypatch
):
    """Each batch numbers its sessions' events in session id order (the order ``next_seqs`` locks
    counters in). Here each batch pauses after its first session's counter, holding its lock: had they
    taken them in the order of their messages, each would then wait for the other's (PostgreSQL
    reports a deadlock and one batch fails); in id order the second waits for the first's commit."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so no two batches hold locks at once")
    one, two = sorted([content.session(), content.session()], key=uuid.UUID)
    first_of = {}
    real = events.new_messages

    def pausing(session_id, payloads):
        result = real(session_id, payloads)
        first_of.setdefault(threading.get_ident(), session_id)
        if first_of[threading.get_ident()] == session_id:
            time.sleep(0.5)  # the other batch takes its first lock meanwhile
        return result

    monkeypatch.setattr(events, "new_messages", pausing)
    authors = _actors(make_user, 2)
    barrier, outcomes = threading.Barrier(2, timeout=30), {}

    def batch(author, order):
        with app.test_request_context():
            try:
                actor = db.session.get(Profile, author)
                barrier.wait()
                results = chat.post_messages([(actor, session_id, f"to {session_id}") for session_id in order])
                commit()
                outcomes[author] = results
            except Exception as exc:
                outcomes[author] = exc
                db.session.rollback()

    threads = [
        threading.Thread(target=batch, args=(authors[0], [one, two])),
        threading.Thread(target=batch, args=(authors[1], [two, one])),  # its messages in the other order
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(outcome, list) for outcome in outcomes.values()), outcomes
    assert len(outcomes) == 2
    assert set(first_of.values()) == {uuid.UUID(one)}  # both began with the lower session id
    with app.app_context():
        for session_id in (one, two):
            seqs = db.session.scalars(
                sa.select(SessionEvent.seq).where(SessionEvent.session_id == session_id).order_by(SessionEvent.seq)
            ).all()
            assert seqs == [1, 2]  # one event from each batch, numbered without a gap
