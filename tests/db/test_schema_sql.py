"""migrations/schema.sql is exactly what the migrations produce, and builds a working database."""

from __future__ import annotations

import difflib
import re

import psycopg
import pytest

from tests.db.conftest import TEST_DATABASE_URL, postgres_only

pytestmark = postgres_only

REGENERATE = "python scripts/dump_schema.py"

# PostgreSQL stores a CHECK re-created from its own deparsed text in a different but
# equivalent shape: `x = ANY ((ARRAY['A'::character varying])::text[])` comes back as
# `x = ANY (ARRAY[('A'::character varying)::text])`. Fold the second into the first.
_REPARSED_ARRAY = re.compile(r"ANY \(ARRAY\[((?:\('[^']*'::character varying\)::text(?:, )?)+)\]\)")


def _fold_reparsed_checks(sql: str) -> str:
    def fold(match: re.Match) -> str:
        items = re.findall(r"\(('[^']*'::character varying)\)::text", match.group(1))
        return f"ANY ((ARRAY[{', '.join(items)}])::text[])"

    return _REPARSED_ARRAY.sub(fold, sql)


def _assert_same(expected: str, actual: str, what: str) -> None:
    if expected == actual:
        return
    diff = "".join(
        list(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), "schema.sql", what
            )
        )[:80]
    )
    pytest.fail(f"migrations/schema.sql differs from {what}; regenerate it with `{REGENERATE}`:\n{diff}")


def test_schema_sql_matches_the_migrations(dump_schema):
    committed = dump_schema.SCHEMA_FILE.read_text()
    _assert_same(committed, dump_schema.generate(TEST_DATABASE_URL), "a fresh run of the migrations")


def test_schema_sql_builds_the_same_database_on_an_empty_one(dump_schema):
    committed = dump_schema.SCHEMA_FILE.read_text()
    with dump_schema.ScratchDatabase(TEST_DATABASE_URL, prefix="plataforma_schema_sql") as scratch:
        libpq_url = scratch.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq_url) as conn:
            conn.execute(committed)  # no parameters: sent as one multi-statement script
            conn.commit()
            unprotected = conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity"
            ).fetchall()
            assert unprotected == []
            assert conn.execute("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'").fetchone()[0] > 0
            assert conn.execute("SELECT to_regprocedure('public.increment_upvotes(uuid)')").fetchone()[0]
        pg_dump = dump_schema.find_pg_dump(scratch.server_major())
        rebuilt = _fold_reparsed_checks(dump_schema.dump_database(scratch.url, pg_dump))
        _assert_same(committed, rebuilt, "the database it builds")
