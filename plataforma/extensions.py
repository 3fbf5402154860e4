"""Unbound extension instances; ``create_app`` binds them. (The flask-smorest ``Api`` is
``plataforma.api.openapi.api``: it answers errors with the contract's schema.)"""

from __future__ import annotations

import json
import sqlite3
import time

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
from sqlalchemy.exc import InvalidatePoolError
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


_IDLE_SINCE = "plataforma.idle_since"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it sat in the pool ``idle_seconds`` or more.

    ``pool_pre_ping`` checks every connection at every checkout: one more round trip for every
    request and socket event (one of a chat message's eight, docs/benchmarks.md). A
    connection returned moments ago is almost surely alive; one idle longer may have been cut (a
    database restart, a proxy's idle timeout). A failed check replaces it, and every connection
    older than it, before use, as ``pool_pre_ping`` does; a connection cut while in recent use
    fails its first statement instead (503, and the pool drops its older connections then). This is
    SQLAlchemy's "checkout" event with ``DisconnectionError``, its documented pessimistic handling;
    fresh connections are not checked. ``idle_seconds`` 0 checks at every checkout."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # fresh, or just used
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise InvalidatePoolError(f"idle connection failed its check: {exc}") from exc
