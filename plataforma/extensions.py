"""Unbound extension instances; ``create_app`` binds them. (The flask-smorest ``Api`` is
``plataforma.api.openapi.api``: it answers errors with the contract's schema.)"""

from __future__ import annotations

import json
import sqlite3

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Blueprint as SmorestBlueprint
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from webargs.flaskparser import FlaskParser

from plataforma import sqlite_wal

# Deterministic constraint names so Alembic can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ApiArgumentsParser(FlaskParser):
    """Validation problems are 400 (SPEC §4), also in the OpenAPI document (webargs says 422).

    Bodies that are valid JSON but unusable count as invalid JSON: nesting deep enough to
    exhaust the parser, and lone UTF-16 surrogates (``"\\ud800"``), which no database or
    password hash can take.
    """

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "(body)", 0) from None
        if not _encodable(data):
            raise json.JSONDecodeError("lone surrogate in a string", "(body)", 0)
        return data


def _encodable(value) -> bool:
    """True when every string in a parsed JSON value encodes to UTF-8 (no lone surrogates)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


# Every flask_smorest.Blueprint parses with this parser.
SmorestBlueprint.ARGUMENTS_PARSER = ApiArgumentsParser()

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address)
socketio = SocketIO()
talisman = Talisman()
cors = CORS()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys (ON DELETE CASCADE) and let readers run beside a writer."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; no fsync per commit
        # Checkpoints: from a thread of their own in the served process, else every 100 pages.
        cursor.execute(f"PRAGMA wal_autocheckpoint={sqlite_wal.autocheckpoint_pages()}")
        cursor.close()
