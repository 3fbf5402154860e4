"""A test-only Socket.IO event, ``debug_slow_query``: runs ``pg_sleep`` inside a client event to prove
that one slow query does not stall the other sockets of an eventlet server.

It lives with the tests, not in the package: ``python tests/realtime/slow_query.py`` is ``wsgi.py``
with this event registered (the end-to-end server of ``test_e2e_server.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import sqlalchemy as sa
from marshmallow import fields, validate

ROOT = Path(__file__).resolve().parents[2]


def register() -> None:
    # Imported here, not at the top: the script imports them only after wsgi.py has monkey-patched.
    from plataforma.errors import ValidationFailed
    from plataforma.extensions import db
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


if __name__ == "__main__":
    os.environ["PLATAFORMA_EVENTLET"] = "1"  # wsgi.py monkey-patches before anything else is imported
    sys.path.insert(0, str(ROOT))
    import wsgi

    register()
    wsgi.main()
