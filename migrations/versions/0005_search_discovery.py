"""search and discovery: event category and tags, search documents, trigram indexes

Events gain ``category`` and ``tags``. Events, sessions and products gain
``search_title`` / ``search_text`` (normalised words, see plataforma/models/search.py),
filled here for existing rows. On PostgreSQL: the pg_trgm extension, a GIN trigram
index on each ``search_text`` (serves ``LIKE '% word%'``) and a GIN index on
``events.tags`` (SQLite gets plain indexes of the same names, which keep the models and
migrations equal; its searches scan).

Revision ID: 0005_search_discovery
Revises: 0002
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_search_discovery"
down_revision = "0003_commerce"
branch_labels = None
depends_on = None

SEARCHED = {
    # table: (title column, other searched columns)
    "events": ("title", ("description", "category", "tags")),
    "event_sessions": ("title", ("description", "speaker")),
    "products": ("name", ("description", "category")),
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    json_type = postgresql.JSONB() if _postgres() else sa.JSON()
    if _postgres():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("tags", json_type, nullable=True))
        batch_op.create_index(batch_op.f("ix_events_category"), ["category"], unique=False)
    for table in SEARCHED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("search_title", sa.Text(), nullable=True))
            batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        op.create_index(
                f"ix_{table}_search_text_trgm",
                table,
                ["search_text"],
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
            )
    op.create_index("ix_events_tags", "events", ["tags"], postgresql_using="gin")
    _fill_documents()


def _fill_documents():
    """Search documents of the rows that exist, computed as the application computes them."""
    from plataforma.models.search import document

    bind = op.get_bind()
    for name, (title, others) in SEARCHED.items():
        columns = [sa.column("id", sa.Uuid), sa.column(title), *(sa.column(c) for c in others)]
        if name == "events":
            columns[-1] = sa.column("tags", sa.JSON)
        table = sa.table(name, *columns, sa.column("search_title"), sa.column("search_text"))
        rows = bind.execute(sa.select(*columns)).all()
        for row in rows:
            values = list(row[1:])
            bind.execute(
                table.update()
                .where(table.c.id == row[0])
                .values(search_title=document(values[0]), search_text=document(*values))
            )


def downgrade():
    op.drop_index("ix_events_tags", table_name="events")
    for table in SEARCHED:
        op.drop_index(f"ix_{table}_search_text_trgm", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_text")
            batch_op.drop_column("search_title")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_category"))
        batch_op.drop_column("tags")
        batch_op.drop_column("category")
    if _postgres():
        op.execute("DROP EXTENSION IF EXISTS pg_trgm")
