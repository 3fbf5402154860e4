"""Fixtures for database-level tests: raw connections to the migrated test database
(as its owner, the way the application connects) and scratch databases."""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from plataforma.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = bool(os.environ.get("CI"))

# Row-level security, triggers, functions and schema.sql exist only on PostgreSQL;
# migration 0002 does nothing on SQLite. In CI .ci/run sets TEST_DATABASE_URL.
postgres_only = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="PostgreSQL only (row-level security, triggers, schema.sql): set TEST_DATABASE_URL",
    ),
]


def load_dump_schema():
    """scripts/dump_schema.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("dump_schema", ROOT / "scripts" / "dump_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dump_schema():
    module = load_dump_schema()
    installed = os.environ.get("PG_DUMP") or shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump")
    if not installed:
        if IN_CI:
            pytest.fail("pg_dump is required in CI (postgresql-client)")
        pytest.skip("pg_dump not installed")
    return module


@pytest.fixture(scope="session")
def pg_engine(database_url):
    """An engine on the migrated test database, connecting as its owner."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    engine = sa.create_engine(normalise_database_url(database_url))
    yield engine
    engine.dispose()


class SqlError(Exception):
    def __init__(self, sqlstate: str, message: str):
        super().__init__(f"{sqlstate}: {message}")
        self.sqlstate = sqlstate


class RlsSession:
    """One transaction on one connection; switch between the owner and client roles
    the way PostgREST does (SET LOCAL ROLE + request.jwt.claims set with is_local)."""

    def __init__(self, conn: sa.Connection):
        self.conn = conn

    # who is asking -------------------------------------------------------
    def as_owner(self) -> None:
        self.conn.exec_driver_sql("RESET ROLE")
        self.conn.exec_driver_sql("SELECT set_config('request.jwt.claims', '', true)")

    def as_user(self, user_id: str) -> None:
        self._claims("authenticated", {"sub": user_id, "role": "authenticated"})

    def as_anon(self) -> None:
        self._claims("anon", {"role": "anon"})

    def _claims(self, role: str, claims: dict) -> None:
        self.conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
        self.conn.execute(sa.text("SELECT set_config('request.jwt.claims', :c, true)"), {"c": json.dumps(claims)})

    # running SQL ---------------------------------------------------------
    def run(self, sql: str, **params):
        return self.conn.execute(sa.text(sql), params)

    def scalar(self, sql: str, **params):
        return self.run(sql, **params).scalar()

    def rowcount(self, sql: str, **params) -> int:
        """Rows affected, inside a savepoint so a surprise error does not end the transaction."""
        with self.conn.begin_nested():
            return self.run(sql, **params).rowcount

    def error(self, sql: str, **params) -> str:
        """Run ``sql`` expecting an error; return its SQLSTATE (the savepoint keeps the transaction)."""
        savepoint = self.conn.begin_nested()
        try:
            self.run(sql, **params)
        except DBAPIError as exc:
            savepoint.rollback()
            return exc.orig.sqlstate
        savepoint.rollback()
        raise AssertionError(f"expected an error from: {sql}")

    # data, created as the owner (RLS does not apply to it) ----------------
    def user(self, role: str = "ATTENDEE", email: str | None = None) -> str:
        """Credentials only: the profile comes from the credentials trigger."""
        user_id = str(uuid.uuid4())
        email = email or f"u{user_id[:8]}@example.com"
        self.run(
            "INSERT INTO credentials (id, email, created_at, updated_at) VALUES (:id, :email, now(), now())",
            id=user_id,
            email=email,
        )
        self.fire_profile_trigger()
        if role != "ATTENDEE":
            self.run("UPDATE profiles SET role = :role WHERE id = :id", role=role, id=user_id)
        return user_id

    def fire_profile_trigger(self) -> None:
        """The profile trigger is deferred to commit; these tests never commit, so fire it now."""
        self.conn.exec_driver_sql("SET CONSTRAINTS credentials_create_profile IMMEDIATE")
        self.conn.exec_driver_sql("SET CONSTRAINTS credentials_create_profile DEFERRED")

    def insert(self, table: str, **values) -> str:
        values.setdefault("id", str(uuid.uuid4()))
        columns = ", ".join(values)
        params = ", ".join(f":{key}" for key in values)
        self.run(f"INSERT INTO {table} ({columns}) VALUES ({params})", **values)
        return values["id"]

    def session(self, project_status: str = "LIVE") -> str:
        project = self.insert(
            "projects", name="P", status=project_status, is_on_demand=False, created_at=_now(), updated_at=_now()
        )
        event = self.insert(
            "events",
            project_id=project,
            title="E",
            slug=f"e-{uuid.uuid4().hex[:8]}",
            status="LIVE",
            created_at=_now(),
            updated_at=_now(),
        )
        return self.insert("event_sessions", event_id=event, title="S", created_at=_now(), updated_at=_now())

    def message(self, session_id: str, user_id: str, **extra) -> str:
        values = {"is_pinned": False, "is_deleted": False, **extra}
        return self.insert("messages", session_id=session_id, user_id=user_id, text="hi", created_at=_now(), **values)

    def question(self, session_id: str, user_id: str, **extra) -> str:
        values = {"is_answered": False, "is_hidden": False, "upvotes": 0, **extra}
        return self.insert("questions", session_id=session_id, user_id=user_id, text="q?", created_at=_now(), **values)

    def poll(self, session_id: str, is_active: bool = True) -> tuple[str, list[str]]:
        poll = self.insert(
            "polls", session_id=session_id, question="?", is_active=is_active, created_at=_now(), updated_at=_now()
        )
        options = [self.insert("poll_options", poll_id=poll, text=t, position=i) for i, t in enumerate("ab")]
        return poll, options

    def survey(self, session_id: str, is_active: bool = True) -> str:
        return self.insert(
            "surveys", session_id=session_id, title="S", is_active=is_active, created_at=_now(), updated_at=_now()
        )


def _now():
    from plataforma.models import utcnow

    return utcnow()


@pytest.fixture
def rls(pg_engine):
    """An RlsSession whose transaction is always rolled back."""
    with pg_engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield RlsSession(conn)
        finally:
            transaction.rollback()
