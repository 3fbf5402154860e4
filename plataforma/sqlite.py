"""SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection.

Importing this module turns them on for every SQLite connection any engine opens;
other databases are left alone. The app factory imports it before the first connection.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@sa.event.listens_for(Engine, "connect")
def _enforce_foreign_keys(dbapi_connection, _connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()
