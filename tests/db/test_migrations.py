"""The models and the migrations agree, on SQLite and PostgreSQL, and 0002 goes down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from plataforma import create_app
from plataforma.config import normalise_database_url
from plataforma.extensions import db
from tests.db.conftest import ROOT, TEST_DATABASE_URL, load_dump_schema


def test_migrations_have_one_head_and_it_is_applied(database_url):
    script = ScriptDirectory(str(ROOT / "migrations"))
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(database_url):
    """compare_metadata after `db upgrade` finds nothing (RLS, policies and triggers are invisible to it)."""
    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            differences = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert differences == []


def _security_objects(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "policies": conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"
                ).scalar(),
                "rls_tables": conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relrowsecurity"
                ).scalar(),
                "functions": conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname IN ('public', 'auth')"
                ).scalar(),
                "triggers": conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal"
                ).scalar(),
                "auth_schema": conn.exec_driver_sql("SELECT to_regnamespace('auth') IS NOT NULL").scalar(),
                "roles": conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated')"
                ).scalar(),
            }
    finally:
        engine.dispose()


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the backend under test, all to this test."""
    if not TEST_DATABASE_URL:
        yield "sqlite:///" + str(tmp_path / "scratch.db")
        return
    with load_dump_schema().ScratchDatabase(TEST_DATABASE_URL, prefix="plataforma_migrate") as scratch:
        yield scratch.url.render_as_string(hide_password=False)


def test_security_migration_downgrades_and_upgrades_again(scratch_url):
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        downgrade(revision="0001")
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == ("0001",)
            assert "profiles" in sa.inspect(conn).get_table_names()
        db.engine.dispose()
        if scratch_url.startswith("postgresql"):
            after_downgrade = _security_objects(scratch_url)
            # Everything of 0002 is gone except the cluster-wide roles, which are never dropped.
            assert after_downgrade == {
                "policies": 0,
                "rls_tables": 0,
                "functions": 0,
                "triggers": 0,
                "auth_schema": False,
                "roles": 2,
            }
        upgrade()
        db.engine.dispose()
    if scratch_url.startswith("postgresql"):
        again = _security_objects(scratch_url)
        assert again["policies"] > 0 and again["triggers"] > 0 and again["auth_schema"] is True
        assert again["rls_tables"] == len(db.metadata.tables) + 1  # + alembic_version
