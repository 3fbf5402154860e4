"""Regenerate migrations/schema.sql: the schema the migrations produce on PostgreSQL.

    python scripts/dump_schema.py [--output PATH]

Creates a scratch database on the server of TEST_DATABASE_URL (else DATABASE_URL,
else postgresql://postgres@127.0.0.1:5432/test), runs every migration, dumps it
with pg_dump (schema only, privileges kept, owners left out), normalises the dump
so it does not depend on the pg_dump build or the run, writes it and drops the
scratch database.

The file is meant to be run once on an empty Supabase or PostgreSQL database. It
starts with the same bootstrap as migration 0002 (roles anon/authenticated and
auth.uid() when missing), because pg_dump cannot express "create if missing".
The alembic_version table is left out: to manage such a database with the
migrations afterwards, run `flask --app wsgi db stamp head` once.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "migrations" / "schema.sql"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"

HEADER = """\
-- Plataforma Live: the complete schema for a fresh Supabase / PostgreSQL database.
--
-- GENERATED from the migrations by `python scripts/dump_schema.py`; do not edit.
-- tests/db/test_schema_sql.py fails when this file and the migrations differ.
-- Apply it once to an empty database (psql -v ON_ERROR_STOP=1 -f migrations/schema.sql),
-- then `flask --app wsgi db stamp head` if the migrations should manage it from there.

-- Roles anon/authenticated and auth.uid(), when missing (plain PostgreSQL; Supabase has them).
"""

# Lines that differ between pg_dump builds or runs and say nothing about the schema.
_DROP_LINE = re.compile(
    r"^(-- Dumped from database version .*"
    r"|-- Dumped by pg_dump version .*"
    r"|\\restrict .*|\\unrestrict .*"
    r"|SET transaction_timeout = .*)$"
)


def server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER


def _sqlalchemy_url(url: str):
    from sqlalchemy.engine import make_url

    from plataforma.config import normalise_database_url

    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"dump_schema needs a PostgreSQL server, not {parsed.get_backend_name()}")
    return parsed


def _migration_0002():
    path = ROOT / "migrations" / "versions" / "0002_postgres_security.py"
    spec = importlib.util.spec_from_file_location("_migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bootstrap_sql() -> str:
    """The roles/auth bootstrap of migration 0002 (one source of truth)."""
    return _migration_0002().BOOTSTRAP_SQL.strip() + "\n"


def supabase_footer() -> str:
    """Supabase grants anon/authenticated everything on new objects by default
    privileges; take back what migration 0002 revokes (no-ops on plain PostgreSQL,
    where pg_dump has nothing to revoke and so writes nothing)."""
    migration = _migration_0002()
    tables = ", ".join(f"public.{t}" for t in migration.SERVER_ONLY if t != "alembic_version")
    return (
        "\n-- Supabase default privileges: server-only tables and increment_upvotes stay closed to clients.\n"
        f"REVOKE ALL ON {tables} FROM anon, authenticated;\n"
        "REVOKE EXECUTE ON FUNCTION public.increment_upvotes(uuid) FROM anon;\n"
    )


def find_pg_dump(server_major: int) -> str:
    """pg_dump of the server's major version: PG_DUMP, then the Debian layout, then PATH."""
    candidates = [os.environ.get("PG_DUMP"), f"/usr/lib/postgresql/{server_major}/bin/pg_dump", shutil.which("pg_dump")]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    raise FileNotFoundError("pg_dump not found (install postgresql-client or set PG_DUMP)")


def pg_dump_major(pg_dump: str) -> int:
    out = subprocess.run([pg_dump, "--version"], check=True, capture_output=True, text=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise RuntimeError(f"cannot read the pg_dump version from {out!r}")
    return int(match.group(1))


def normalise(dump: str) -> str:
    """Strip what varies between pg_dump builds and runs; prepend the bootstrap."""
    lines = [line.rstrip() for line in dump.splitlines() if not _DROP_LINE.match(line)]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return HEADER + bootstrap_sql() + "\n" + text + supabase_footer()


def dump_database(url, pg_dump: str) -> str:
    """Schema-only dump of ``url`` (a SQLAlchemy URL) without the auth schema and alembic_version."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    libpq_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
        [
            pg_dump,
            "--schema-only",
            "--no-owner",
            "--exclude-schema=auth",
            "--exclude-table=public.alembic_version",
            "--dbname",
            libpq_url,
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return normalise(result.stdout)


class ScratchDatabase:
    """A temporary database on the server of ``base_url``, dropped on exit."""

    def __init__(self, base_url: str, prefix: str = "plataforma_schema"):
        import sqlalchemy as sa

        self.base = _sqlalchemy_url(base_url)
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.url = self.base.set(database=self.name)

    def __enter__(self) -> ScratchDatabase:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        return self

    def server_major(self) -> int:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            return int(conn.execute(sa.text("SHOW server_version_num")).scalar()) // 10000

    def __exit__(self, *exc) -> None:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def migrate(url) -> None:
    """Run every migration against ``url`` (Flask-Migrate's upgrade, as `flask db upgrade`)."""
    from flask_migrate import upgrade

    from plataforma import create_app
    from plataforma.extensions import db

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def generate(base_url: str | None = None) -> str:
    """The normalised schema the migrations produce, from a scratch database."""
    with ScratchDatabase(base_url or server_url()) as scratch:
        pg_dump = find_pg_dump(scratch.server_major())
        if pg_dump_major(pg_dump) < scratch.server_major():
            raise RuntimeError(f"{pg_dump} is older than the server ({scratch.server_major()})")
        migrate(scratch.url)
        return dump_database(scratch.url, pg_dump)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=SCHEMA_FILE, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    args.output.write_text(generate())
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
