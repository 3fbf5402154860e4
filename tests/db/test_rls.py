"""Row-level security as a client reaching PostgreSQL directly sees it (Supabase model).

Every test runs in one rolled-back transaction: rows are created as the owner, then
``SET LOCAL ROLE authenticated`` (or anon) with ``request.jwt.claims`` for a user.
"""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from tests.db.conftest import _now, postgres_only

pytestmark = postgres_only

INSUFFICIENT_PRIVILEGE = "42501"  # also what a failed RLS WITH CHECK raises
UNIQUE_VIOLATION = "23505"
NO_DATA_FOUND = "P0002"

SERVER_ONLY_TABLES = {"credentials", "revoked_tokens", "alembic_version"}
# SPEC §16: the event log and the webhook outbox are read through the API only.
SERVER_ONLY_TABLES |= {"session_event_counters", "session_events", "webhooks", "webhook_deliveries"}
# SPEC §15: bans and the audit log are the moderators', through the API.
SERVER_ONLY_TABLES |= {"event_bans", "audit_log"}


@pytest.fixture
def world(rls):
    """Users A, B and an admin; a live session with a message, question, poll and survey of B's."""
    a, b, admin = rls.user(), rls.user(), rls.user("ADMIN")
    session = rls.session()
    poll, options = rls.poll(session)
    return {
        "a": a,
        "b": b,
        "admin": admin,
        "session": session,
        "message": rls.message(session, b),
        "question": rls.question(session, b),
        "reaction": rls.insert("reactions", session_id=session, user_id=b, type="like", created_at=_now()),
        "poll": poll,
        "options": options,
        "survey": rls.survey(session),
    }


def test_every_table_has_row_level_security_and_none_is_forced(rls):
    rows = rls.run(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
    ).all()
    tables = {name for name, *_ in rows}
    assert set(db.metadata.tables) <= tables
    assert [name for name, enabled, _ in rows if not enabled] == []
    # FORCE would subject the owner (the application) to the policies too.
    assert [name for name, _, forced in rows if forced] == []


def test_policies_are_for_authenticated_only_and_cover_every_client_table(rls):
    policies = rls.run("SELECT tablename, roles FROM pg_policies WHERE schemaname = 'public'").all()
    assert policies
    assert {tuple(roles) for _, roles in policies} == {("authenticated",)}
    client_tables = set(db.metadata.tables) - SERVER_ONLY_TABLES
    assert {table for table, _ in policies} == client_tables


def test_user_reads_every_profile_and_updates_only_their_own(rls, world):
    a, b = world["a"], world["b"]
    rls.as_user(a)
    assert rls.scalar("SELECT count(*) FROM profiles WHERE id IN (:a, :b)", a=a, b=b) == 2
    assert rls.rowcount("UPDATE profiles SET name = 'hacked' WHERE id = :b", b=b) == 0
    assert rls.rowcount("DELETE FROM profiles WHERE id = :b", b=b) == 0
    assert rls.rowcount("UPDATE profiles SET name = 'Me' WHERE id = :a", a=a) == 1
    # Nor can a user move their own row onto someone else's id.
    assert rls.error("UPDATE profiles SET id = :b WHERE id = :a", a=a, b=b) == INSUFFICIENT_PRIVILEGE
    rls.as_owner()
    assert rls.scalar("SELECT name FROM profiles WHERE id = :b", b=b) != "hacked"
    assert rls.scalar("SELECT name FROM profiles WHERE id = :a", a=a) == "Me"


@pytest.mark.parametrize("table", ["messages", "questions", "reactions"])
def test_user_cannot_update_or_delete_someone_elses_rows(rls, world, table):
    row = {"messages": world["message"], "questions": world["question"], "reactions": world["reaction"]}[table]
    rls.as_user(world["a"])
    assert rls.scalar(f"SELECT count(*) FROM {table} WHERE id = :id", id=row) == 1  # A can see it...
    assert rls.rowcount(f"UPDATE {table} SET user_id = user_id WHERE id = :id", id=row) == 0  # ...not change it
    assert rls.rowcount(f"DELETE FROM {table} WHERE id = :id", id=row) == 0
    rls.as_owner()
    assert rls.scalar(f"SELECT count(*) FROM {table} WHERE id = :id", id=row) == 1


def test_user_updates_and_deletes_their_own_message(rls, world):
    a = world["a"]
    own = rls.message(world["session"], a)
    rls.as_user(a)
    assert rls.rowcount("UPDATE messages SET text = 'edited' WHERE id = :id", id=own) == 1
    assert rls.rowcount("DELETE FROM messages WHERE id = :id", id=own) == 1


INSERTS = {
    "messages": (
        "INSERT INTO messages (id, session_id, user_id, text, is_pinned, is_deleted, created_at) "
        "VALUES (gen_random_uuid(), :session, :user, 'hi', false, false, now())"
    ),
    "questions": (
        "INSERT INTO questions (id, session_id, user_id, text, upvotes, is_answered, is_hidden, created_at) "
        "VALUES (gen_random_uuid(), :session, :user, 'q?', 0, false, false, now())"
    ),
    "reactions": (
        "INSERT INTO reactions (id, session_id, user_id, type, created_at) "
        "VALUES (gen_random_uuid(), :session, :user, 'like', now())"
    ),
    "poll_votes": (
        "INSERT INTO poll_votes (id, poll_id, option_id, user_id, created_at) "
        "VALUES (gen_random_uuid(), :poll, :option, :user, now())"
    ),
    "question_upvotes": (
        "INSERT INTO question_upvotes (question_id, user_id, created_at) VALUES (:question, :user, now())"
    ),
    "survey_responses": (
        "INSERT INTO survey_responses (id, survey_id, user_id, responses, created_at) "
        "VALUES (gen_random_uuid(), :survey, :user, '{}', now())"
    ),
}


def _insert_params(world: dict, user: str) -> dict:
    return {
        "session": world["session"],
        "poll": world["poll"],
        "option": world["options"][0],
        "question": world["question"],
        "survey": world["survey"],
        "user": user,
    }


@pytest.mark.parametrize("table", sorted(INSERTS))
def test_user_cannot_insert_rows_as_someone_else(rls, world, table):
    sql = INSERTS[table]
    rls.as_user(world["a"])
    assert rls.error(sql, **_insert_params(world, world["b"])) == INSUFFICIENT_PRIVILEGE
    assert rls.rowcount(sql, **_insert_params(world, world["a"])) == 1  # as themselves it works


@pytest.mark.parametrize("table", ["poll_votes", "question_upvotes", "survey_responses"])
def test_user_votes_upvotes_and_responds_only_once(rls, world, table):
    sql = INSERTS[table]
    rls.as_user(world["a"])
    assert rls.rowcount(sql, **_insert_params(world, world["a"])) == 1
    params = _insert_params(world, world["a"]) | {"option": world["options"][1]}  # another option: still a 2nd vote
    assert rls.error(sql, **params) == UNIQUE_VIOLATION
    rls.as_owner()
    assert rls.scalar(f"SELECT count(*) FROM {table} WHERE user_id = :a", a=world["a"]) == 1


def test_user_cannot_vote_in_an_inactive_poll_or_answer_an_inactive_survey(rls, world):
    poll, options = rls.poll(world["session"], is_active=False)
    survey = rls.survey(world["session"], is_active=False)
    rls.as_user(world["a"])
    params = _insert_params(world, world["a"]) | {"poll": poll, "option": options[0], "survey": survey}
    assert rls.error(INSERTS["poll_votes"], **params) == INSUFFICIENT_PRIVILEGE
    assert rls.error(INSERTS["survey_responses"], **params) == INSUFFICIENT_PRIVILEGE


def test_votes_and_responses_are_private_to_their_author(rls, world):
    rls.as_user(world["b"])
    rls.run(INSERTS["poll_votes"], **_insert_params(world, world["b"]))
    rls.run(INSERTS["survey_responses"], **_insert_params(world, world["b"]))
    rls.as_user(world["a"])
    assert rls.scalar("SELECT count(*) FROM poll_votes") == 0
    assert rls.scalar("SELECT count(*) FROM survey_responses") == 0
    rls.as_user(world["admin"])
    assert rls.scalar("SELECT count(*) FROM poll_votes") == 1


@pytest.mark.parametrize(
    ("sql", "column"),
    [
        ("UPDATE profiles SET role = 'ADMIN' WHERE id = :a", "role"),
        ("UPDATE messages SET is_pinned = true WHERE id = :own_message", "is_pinned"),
        ("UPDATE questions SET upvotes = 1000 WHERE id = :own_question", "upvotes"),
        ("UPDATE questions SET is_hidden = false, is_answered = true WHERE id = :own_question", "is_answered"),
        ("UPDATE questions SET status = 'PENDING' WHERE id = :own_question", "status"),  # any change of it
    ],
)
def test_user_cannot_change_admin_columns_of_their_own_rows(rls, world, sql, column):
    a = world["a"]
    params = {
        "a": a,
        "own_message": rls.message(world["session"], a),
        "own_question": rls.question(world["session"], a),
    }
    rls.as_user(a)
    assert rls.error(sql, **params) == INSUFFICIENT_PRIVILEGE
    rls.as_user(world["admin"])  # the same change is an admin's to make
    assert rls.rowcount(sql.replace(":a", ":target"), target=a, **params) == 1


def test_user_cannot_insert_pre_pinned_or_pre_upvoted_rows(rls, world):
    rls.as_user(world["a"])
    params = {"session": world["session"], "a": world["a"]}
    pinned = (
        "INSERT INTO messages (id, session_id, user_id, text, is_pinned, is_deleted, created_at) "
        "VALUES (gen_random_uuid(), :session, :a, 'hi', true, false, now())"
    )
    upvoted = (
        "INSERT INTO questions (id, session_id, user_id, text, upvotes, is_answered, is_hidden, created_at) "
        "VALUES (gen_random_uuid(), :session, :a, 'q?', 99, false, false, now())"
    )
    assert rls.error(pinned, **params) == INSUFFICIENT_PRIVILEGE
    assert rls.error(upvoted, **params) == INSUFFICIENT_PRIVILEGE


def test_anon_reads_nothing_and_writes_nothing(rls, world):
    client_tables = sorted(set(db.metadata.tables) - SERVER_ONLY_TABLES)
    counts = {t: rls.scalar(f"SELECT count(*) FROM {t}") for t in client_tables}
    assert counts["profiles"] >= 3 and counts["messages"] >= 1  # the owner sees the rows
    rls.as_anon()
    assert rls.scalar("SELECT auth.uid()") is None
    assert {t: rls.scalar(f"SELECT count(*) FROM {t}") for t in client_tables} == dict.fromkeys(client_tables, 0)
    for table in ("credentials", "revoked_tokens"):
        assert rls.error(f"SELECT count(*) FROM {table}") == INSUFFICIENT_PRIVILEGE
    assert rls.error(INSERTS["messages"], **_insert_params(world, world["a"])) == INSUFFICIENT_PRIVILEGE
    assert rls.error("SELECT increment_upvotes(:q)", q=world["question"]) == INSUFFICIENT_PRIVILEGE


def test_authenticated_users_cannot_read_credentials_or_revoked_tokens(rls, world):
    rls.as_user(world["a"])
    assert rls.error("SELECT email FROM credentials WHERE id = :a", a=world["a"]) == INSUFFICIENT_PRIVILEGE
    assert rls.error("SELECT count(*) FROM revoked_tokens") == INSUFFICIENT_PRIVILEGE
    rls.as_user(world["admin"])  # server-only, admins included: hashes never leave the server
    assert rls.error("SELECT password_hash FROM credentials") == INSUFFICIENT_PRIVILEGE


def test_admin_manages_everyone_elses_rows(rls, world):
    b = world["b"]
    rls.as_user(world["admin"])
    assert rls.rowcount("UPDATE profiles SET role = 'MODERATOR', name = 'B' WHERE id = :b", b=b) == 1
    assert rls.rowcount("UPDATE messages SET is_pinned = true WHERE id = :id", id=world["message"]) == 1
    assert rls.rowcount("DELETE FROM questions WHERE id = :id", id=world["question"]) == 1
    assert rls.rowcount("UPDATE polls SET is_active = false WHERE id = :id", id=world["poll"]) == 1
    rls.insert("projects", name="By admin", status="DRAFT", is_on_demand=False, created_at=_now(), updated_at=_now())
    rls.as_owner()
    assert rls.scalar("SELECT role FROM profiles WHERE id = :b", b=b) == "MODERATOR"
    assert rls.scalar("SELECT is_pinned FROM messages WHERE id = :id", id=world["message"]) is True


def test_non_admins_cannot_write_content(rls, world):
    rls.as_user(world["a"])
    assert rls.rowcount("UPDATE polls SET is_active = false WHERE id = :id", id=world["poll"]) == 0
    assert rls.rowcount("DELETE FROM event_sessions WHERE id = :id", id=world["session"]) == 0
    sql = "INSERT INTO projects (id, name, status, is_on_demand, created_at, updated_at) "
    sql += "VALUES (gen_random_uuid(), 'x', 'LIVE', false, now(), now())"
    assert rls.error(sql) == INSUFFICIENT_PRIVILEGE


def test_draft_projects_and_their_content_are_invisible_to_non_admins(rls, world):
    draft_session = rls.session(project_status="DRAFT")
    message = rls.message(draft_session, world["b"])
    rls.as_user(world["a"])
    assert rls.scalar("SELECT count(*) FROM projects WHERE status = 'DRAFT'") == 0
    assert rls.scalar("SELECT count(*) FROM event_sessions WHERE id = :s", s=draft_session) == 0
    assert rls.scalar("SELECT count(*) FROM messages WHERE id = :m", m=message) == 0
    params = _insert_params(world, world["a"]) | {"session": draft_session}
    assert rls.error(INSERTS["messages"], **params) == INSUFFICIENT_PRIVILEGE
    rls.as_user(world["admin"])
    assert rls.scalar("SELECT count(*) FROM messages WHERE id = :m", m=message) == 1


def test_hidden_questions_and_deleted_messages_are_visible_to_their_author_only(rls, world):
    session, a, b = world["session"], world["a"], world["b"]
    hidden = rls.question(session, b, is_hidden=True)
    deleted = rls.message(session, b, is_deleted=True)
    rls.as_user(a)
    assert rls.scalar("SELECT count(*) FROM questions WHERE id = :id", id=hidden) == 0
    assert rls.scalar("SELECT count(*) FROM messages WHERE id = :id", id=deleted) == 0
    rls.as_user(b)
    assert rls.scalar("SELECT count(*) FROM questions WHERE id = :id", id=hidden) == 1
    assert rls.scalar("SELECT count(*) FROM messages WHERE id = :id", id=deleted) == 1


def test_pending_questions_are_visible_to_their_author_only(rls, world):
    """SPEC §15: a question awaiting approval is its author's (moderators read it through the API)."""
    session, a, b = world["session"], world["a"], world["b"]
    pending = rls.question(session, b, status="PENDING")
    approved = rls.question(session, b, status="APPROVED")
    rls.as_user(a)
    assert rls.scalar("SELECT count(*) FROM questions WHERE id = :id", id=pending) == 0
    assert rls.scalar("SELECT count(*) FROM questions WHERE id = :id", id=approved) == 1
    rls.as_user(b)
    assert rls.scalar("SELECT count(*) FROM questions WHERE id = :id", id=pending) == 1


def test_a_moderated_session_takes_pending_questions_only(rls, world):
    session, a = world["session"], world["a"]
    rls.as_user(world["admin"])
    rls.rowcount("UPDATE event_sessions SET question_moderation = true WHERE id = :s", s=session)
    rls.as_user(a)
    insert = (
        "INSERT INTO questions (id, session_id, user_id, text, upvotes, is_answered, is_hidden, status, created_at) "
        "VALUES (gen_random_uuid(), :session, :a, 'q?', 0, false, false, :status, now())"
    )
    assert rls.error(insert, session=session, a=a, status="APPROVED") == INSUFFICIENT_PRIVILEGE
    assert rls.rowcount(insert, session=session, a=a, status="PENDING") == 1


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_claims_set_with_is_local_do_not_leak_into_the_next_transaction(pg_engine, end):
    user_id = str(uuid.uuid4())
    with pg_engine.connect() as conn:
        with conn.begin():
            owner = conn.exec_driver_sql("SELECT current_user").scalar()
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with conn.begin() as transaction:
            conn.exec_driver_sql("SET LOCAL ROLE authenticated")
            claims = json.dumps({"sub": user_id, "role": "authenticated"})
            conn.execute(sa.text("SELECT set_config('request.jwt.claims', :c, true)"), {"c": claims})
            assert str(conn.exec_driver_sql("SELECT auth.uid()").scalar()) == user_id
            assert conn.exec_driver_sql("SELECT current_user").scalar() == "authenticated"
            getattr(transaction, end)()
        with conn.begin():
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() == backend  # the same connection
            assert conn.exec_driver_sql("SELECT auth.uid()").scalar() is None
            assert not conn.exec_driver_sql("SELECT current_setting('request.jwt.claims', true)").scalar()
            assert conn.exec_driver_sql("SELECT current_user").scalar() == owner
            assert conn.exec_driver_sql("SELECT row_security_active('public.profiles')").scalar() is False


def test_increment_upvotes_counts_each_user_once(rls, world):
    question = world["question"]
    c = rls.user()
    rls.as_user(world["a"])
    assert rls.scalar("SELECT increment_upvotes(:q)", q=question) == 1
    assert rls.scalar("SELECT increment_upvotes(:q)", q=question) == 1  # again: no inflation
    rls.as_user(c)  # the original client flow: insert the upvote row, then call the function
    rls.run(INSERTS["question_upvotes"], question=question, user=c)
    assert rls.scalar("SELECT increment_upvotes(:q)", q=question) == 2
    rls.as_owner()
    assert rls.scalar("SELECT upvotes FROM questions WHERE id = :q", q=question) == 2
    assert rls.scalar("SELECT count(*) FROM question_upvotes WHERE question_id = :q", q=question) == 2


def test_increment_upvotes_refuses_questions_the_caller_cannot_see(rls, world):
    hidden = rls.question(world["session"], world["b"], is_hidden=True)
    rls.as_user(world["a"])
    assert rls.error("SELECT increment_upvotes(:q)", q=hidden) == NO_DATA_FOUND
    assert rls.error("SELECT increment_upvotes(:q)", q=str(uuid.uuid4())) == NO_DATA_FOUND
    rls.as_owner()  # the owner has no auth.uid(): nobody to upvote as
    assert rls.error("SELECT increment_upvotes(:q)", q=world["question"]) == INSUFFICIENT_PRIVILEGE


def test_security_definer_functions_pin_their_search_path(rls):
    rows = rls.run(
        "SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'"
    ).all()
    functions = {name: (definer, config or []) for name, definer, config in rows}
    assert functions["increment_upvotes"][0] is True
    definers = {name: config for name, (definer, config) in functions.items() if definer}
    assert "increment_upvotes" in definers and "is_admin" in definers
    assert all("search_path=public, pg_temp" in config for config in definers.values()), definers


def test_every_table_with_updated_at_has_the_trigger(rls):
    with_column = set(
        rls.run(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'updated_at'"
        ).scalars()
    )
    with_trigger = set(
        rls.run(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'set_updated_at' AND NOT t.tgisinternal"
        ).scalars()
    )
    assert with_column == {t.name for t in db.metadata.tables.values() if "updated_at" in t.c}
    assert with_trigger == with_column


def test_updated_at_trigger_stamps_updates(rls, world):
    old = "2000-01-01T00:00:00+00:00"
    project = rls.insert("projects", name="P", status="LIVE", is_on_demand=False, created_at=old, updated_at=old)
    rls.run("UPDATE projects SET name = 'renamed' WHERE id = :p", p=project)
    stamped = rls.scalar("SELECT updated_at = now() FROM projects WHERE id = :p", p=project)
    assert stamped is True
    # The owner (the application) keeps a value it sets itself...
    rls.run("UPDATE projects SET updated_at = '2001-01-01T00:00:00+00:00' WHERE id = :p", p=project)
    assert rls.scalar("SELECT extract(year FROM updated_at) FROM projects WHERE id = :p", p=project) == 2001
    # ...a client cannot back-date a row.
    a = world["a"]
    rls.as_user(a)
    assert rls.rowcount("UPDATE profiles SET updated_at = :old WHERE id = :a", old=old, a=a) == 1
    assert rls.scalar("SELECT updated_at = now() FROM profiles WHERE id = :a", a=a) is True


def test_new_credentials_get_exactly_one_default_profile(rls):
    user_id = str(uuid.uuid4())
    rls.run(
        "INSERT INTO credentials (id, email, created_at, updated_at) VALUES (:id, :email, now(), now())",
        id=user_id,
        email="Jane.Doe@example.com",
    )
    rls.fire_profile_trigger()
    rows = rls.run("SELECT name, role, status FROM profiles WHERE id = :id", id=user_id).all()
    assert [tuple(r) for r in rows] == [("Jane.Doe", "ATTENDEE", "OFFLINE")]


def test_a_profile_made_in_the_same_transaction_wins_over_the_trigger(rls):
    """The application's path: credentials and profile in one transaction."""
    user_id = str(uuid.uuid4())
    rls.run(
        "INSERT INTO credentials (id, email, created_at, updated_at) VALUES (:id, 'app@example.com', now(), now())",
        id=user_id,
    )
    rls.run(
        "INSERT INTO profiles (id, name, role, status, created_at, updated_at) "
        "VALUES (:id, 'App Name', 'MODERATOR', 'OFFLINE', now(), now())",
        id=user_id,
    )
    rls.fire_profile_trigger()
    rows = rls.run("SELECT name, role FROM profiles WHERE id = :id", id=user_id).all()
    assert [tuple(r) for r in rows] == [("App Name", "MODERATOR")]


def test_profile_trigger_survives_long_emails_and_deleted_credentials(rls):
    long_id, gone_id = str(uuid.uuid4()), str(uuid.uuid4())
    for user_id, email in ((long_id, "x" * 200 + "@example.com"), (gone_id, "gone@example.com")):
        rls.run(
            "INSERT INTO credentials (id, email, created_at, updated_at) VALUES (:id, :email, now(), now())",
            id=user_id,
            email=email,
        )
    rls.run("DELETE FROM credentials WHERE id = :id", id=gone_id)
    rls.fire_profile_trigger()
    assert rls.scalar("SELECT length(name) FROM profiles WHERE id = :id", id=long_id) == 120
    assert rls.scalar("SELECT count(*) FROM profiles WHERE id = :id", id=gone_id) == 0


def test_signup_on_postgres_gives_one_profile_with_the_given_name(app, client, pg_engine):
    body = {"email": "Signup@Example.com", "password": "password123", "name": "Sign Up", "company": "ACME"}
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["user"]["id"]
    assert response.get_json()["profile"]["name"] == "Sign Up"
    with pg_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, role, company FROM profiles WHERE id = :id"), {"id": user_id}).all()
    assert [tuple(r) for r in rows] == [("Sign Up", "ATTENDEE", "ACME")]
    again = client.post("/api/auth/signup", json=body)
    assert again.status_code == 409
    signin = client.post("/api/auth/signin", json={"email": body["email"], "password": body["password"]})
    assert signin.status_code == 200
    assert signin.get_json()["profile"]["id"] == user_id


def test_the_documented_non_owner_app_role_sees_and_writes_everything(rls, world):
    """docs/database.md: a non-owner application role needs BYPASSRLS (not just grants)."""
    suffix = uuid.uuid4().hex[:8]
    bypass, plain = f"plataforma_app_{suffix}", f"plataforma_plain_{suffix}"
    # CREATE ROLE is transactional: the rollback at the end removes both roles.
    rls.run(f"CREATE ROLE {bypass} NOLOGIN BYPASSRLS")
    rls.run(f"CREATE ROLE {plain} NOLOGIN")
    for role in (bypass, plain):
        rls.run(f"GRANT USAGE ON SCHEMA public TO {role}")
        rls.run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    rls.run(f"SET LOCAL ROLE {bypass}")
    assert rls.scalar("SELECT row_security_active('public.messages')") is False
    assert rls.scalar("SELECT count(*) FROM credentials") >= 3
    assert rls.rowcount("UPDATE profiles SET role = 'MODERATOR' WHERE id = :b", b=world["b"]) == 1
    assert rls.rowcount(INSERTS["messages"], **_insert_params(world, world["a"])) == 1
    # Grants alone are not enough: without BYPASSRLS no policy matches the role.
    rls.run(f"SET LOCAL ROLE {plain}")
    assert rls.scalar("SELECT count(*) FROM profiles") == 0
    assert rls.error(INSERTS["messages"], **_insert_params(world, world["a"])) == INSUFFICIENT_PRIVILEGE
