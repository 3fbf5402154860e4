"""SQL that differs by database: the INSERT that takes ``ON CONFLICT`` clauses is each dialect's own."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite


def insert_on_conflict(target, dialect: str):
    """An INSERT into ``target`` (a model or a table) with ``on_conflict_do_update`` / ``on_conflict_do_nothing``:
    PostgreSQL's for ``dialect`` ``"postgresql"``, SQLite's otherwise (the two databases we run on)."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(target)
