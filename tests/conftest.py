"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL when
``TEST_DATABASE_URL`` is set), a test client and factories for users and tokens."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from plataforma import create_app
from plataforma.config import normalise_database_url
from plataforma.extensions import db
from tests.contract_client import ContractCheckingClient

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
IN_CI = bool(os.environ.get("CI"))


def _create_postgres_database(base_url: str) -> tuple[str, callable]:
    """A fresh database on the server of ``base_url``; returns its URL and a dropper."""
    url = make_url(normalise_database_url(base_url))
    name = f"plataforma_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if IN_CI:
            raise RuntimeError(f"PostgreSQL at {base_url} is required in CI: {exc}") from exc
        pytest.exit(f"PostgreSQL at {base_url} unreachable: {exc}", returncode=1)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """One migrated database for the whole run."""
    if TEST_DATABASE_URL:
        url, drop = _create_postgres_database(TEST_DATABASE_URL)
    else:
        url, drop = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db"), (lambda: None)
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    drop()


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def _truncate_all(database_url: str) -> None:
    engine = sa.create_engine(normalise_database_url(database_url))
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
    engine.dispose()


@pytest.fixture
def make_app(database_url):
    """Build apps with config overrides; every table is emptied after the test."""
    apps = []

    def factory(**overrides):
        config = {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url}
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = ContractCheckingClient  # every /api response is checked against the OpenAPI document
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    if apps:
        _truncate_all(database_url)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class UserFactory:
    """Creates users straight through the service and hands back ready-made auth headers."""

    def __init__(self, app):
        self.app = app
        self.count = 0

    def __call__(
        self,
        role: str = "ATTENDEE",
        *,
        email: str | None = None,
        password: str = "password123",
        name: str | None = None,
    ):
        from plataforma.models import Role
        from plataforma.services import accounts, commit
        from plataforma.services.tokens import issue_session

        self.count += 1
        email = email or f"user{self.count}-{uuid.uuid4().hex[:6]}@example.com"
        with self.app.test_request_context():
            profile = accounts.create_user(
                email=email, password=password, name=name or f"User {self.count}", role=Role(role)
            )
            commit()
            session = issue_session(profile)
            return TestUser(id=str(profile.id), email=email, password=password, role=role, session=session)


class TestUser:
    __test__ = False  # not a test class

    def __init__(self, *, id, email, password, role, session):
        self.id, self.email, self.password, self.role, self.session = id, email, password, role, session

    @property
    def token(self) -> str:
        return self.session["access_token"]

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(app):
    return UserFactory(app)


@pytest.fixture
def attendee(make_user):
    return make_user("ATTENDEE")


@pytest.fixture
def moderator(make_user):
    return make_user("MODERATOR")


@pytest.fixture
def admin(make_user):
    return make_user("ADMIN")


@pytest.fixture
def users(attendee, moderator, admin):
    """Role name -> auth headers (None for anonymous), for permission matrices."""
    return {"anonymous": {}, "attendee": attendee.headers, "moderator": moderator.headers, "admin": admin.headers}


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` = SQL statements run."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counter


class ContentFactory:
    """Creates projects / events / sessions straight in the database (for tests of other areas)."""

    def __init__(self, app):
        self.app = app

    def _add(self, obj):
        with self.app.app_context():
            db.session.add(obj)
            db.session.commit()
            return str(obj.id)

    def project(self, status: str = "LIVE", **kwargs) -> str:
        from plataforma.models import Project, ProjectStatus

        return self._add(Project(name=kwargs.pop("name", "Project"), status=ProjectStatus(status), **kwargs))

    def event(self, project_id: str | None = None, status: str = "LIVE", project_status: str = "LIVE", **kwargs) -> str:
        from plataforma.models import Event, EventStatus

        project_id = project_id or self.project(project_status)
        title = kwargs.pop("title", "Event")
        slug = kwargs.pop("slug", f"event-{uuid.uuid4().hex[:8]}")
        return self._add(
            Event(project_id=uuid.UUID(project_id), title=title, slug=slug, status=EventStatus(status), **kwargs)
        )

    def session(self, event_id: str | None = None, project_status: str = "LIVE", **kwargs) -> str:
        from plataforma.models import EventSession

        event_id = event_id or self.event(project_status=project_status)
        return self._add(EventSession(event_id=uuid.UUID(event_id), title=kwargs.pop("title", "Session"), **kwargs))


@pytest.fixture
def content(app):
    """``content.project()``, ``content.event()``, ``content.session()`` -> ids (str)."""
    return ContentFactory(app)


@pytest.fixture
def live_session(content) -> str:
    """The id of a session inside a LIVE project."""
    return content.session()


@pytest.fixture
def draft_session(content) -> str:
    """The id of a session inside a DRAFT project (404 for non-admins)."""
    return content.session(project_status="DRAFT")
