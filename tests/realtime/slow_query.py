"""Test-only Socket.IO events: ``debug_slow_query`` runs ``pg_sleep`` inside a client event to prove
that one slow query does not stall the other sockets of an eventlet server; ``debug_chat_batches``
answers the sizes of the batches of chat messages taken so far and, given ``holdSeconds``, holds the
next batch that long before storing it (so that the messages sent meanwhile queue behind it).

It lives with the tests, not in the package: ``python tests/realtime/slow_query.py`` is ``wsgi.py``
with this event registered (the end-to-end server of ``test_e2e_server.py``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from marshmallow import fields, validate

ROOT = Path(__file__).resolve().parents[2]


def register() -> None:
    # Imported here, not at the top: the script imports them only after wsgi.py has monkey-patched.
    from plataforma.errors import ValidationFailed
    from plataforma.extensions import db
    from plataforma.realtime import handlers
    from plataforma.realtime.guard import client_event
    from plataforma.schemas.base import CamelSchema

    class SlowQuerySchema(CamelSchema):
        seconds = fields.Float(required=True, validate=validate.Range(min=0, max=5))

    @client_event("debug_slow_query", SlowQuerySchema())
    def debug_slow_query(conn, actor, data) -> dict:
        if db.session.get_bind().dialect.name != "postgresql":
            raise ValidationFailed("pg_sleep needs PostgreSQL.")
        db.session.execute(sa.text("SELECT pg_sleep(:seconds)"), {"seconds": data["seconds"]})
        db.session.rollback()
        return {"slept": data["seconds"]}

    class ChatBatchesSchema(CamelSchema):
        hold_seconds = fields.Float(load_default=None, validate=validate.Range(min=0, max=5))

    batches = handlers._chat_batches
    store, sizes, hold = batches._run, [], {"seconds": 0.0}

    def held_store(batch) -> None:
        sizes.append(len(batch))
        seconds, hold["seconds"] = hold["seconds"], 0.0
        time.sleep(seconds)  # green: monkey-patched
        store(batch)

    batches._run = held_store

    @client_event("debug_chat_batches", ChatBatchesSchema())
    def debug_chat_batches(conn, actor, data) -> dict:
        if data["hold_seconds"] is not None:
            hold["seconds"] = data["hold_seconds"]
        return {"sizes": list(sizes)}


if __name__ == "__main__":
    os.environ["PLATAFORMA_EVENTLET"] = "1"  # wsgi.py monkey-patches before anything else is imported
    sys.path.insert(0, str(ROOT))
    import wsgi

    register()
    wsgi.main()
