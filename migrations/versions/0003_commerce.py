"""live commerce: product currency, attach/feature times, click-throughs, feature spans, reaction totals

On PostgreSQL the new tables get row-level security like every other table (see 0002):
click-throughs are private to the clicker, feature spans and reaction totals are readable
where their session is visible, admins manage all.

Revision ID: 0003_commerce
Revises: 0002
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_commerce"
down_revision = "0002"
branch_labels = None
depends_on = None

UID = "auth.uid()"
ADMIN = "public.is_admin()"
SESSION = "public.session_visible(session_id)"
POLICIES = {
    "product_clicks": [("product_clicks_select_own", "SELECT", f"user_id = {UID}")],
    "product_feature_spans": [("product_feature_spans_select_visible", "SELECT", SESSION)],
    "reaction_totals": [("reaction_totals_select_visible", "SELECT", SESSION)],
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False))
    with op.batch_alter_table("session_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("featured_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "added_at", sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False
            )
        )

    op.create_table(
        "product_clicks",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("guest_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_clicks_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_sessions.id"],
            name=op.f("fk_product_clicks_session_id_event_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["profiles.id"], name=op.f("fk_product_clicks_user_id_profiles"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_clicks")),
    )
    with op.batch_alter_table("product_clicks", schema=None) as batch_op:
        batch_op.create_index("ix_product_clicks_session_id_product_id", ["session_id", "product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_clicks_user_id"), ["user_id"], unique=False)

    op.create_table(
        "product_feature_spans",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_feature_spans_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_sessions.id"],
            name=op.f("fk_product_feature_spans_session_id_event_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_feature_spans")),
    )
    with op.batch_alter_table("product_feature_spans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_feature_spans_session_id_product_id", ["session_id", "product_id"], unique=False
        )

    op.create_table(
        "reaction_totals",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_sessions.id"],
            name=op.f("fk_reaction_totals_session_id_event_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "type", name=op.f("pk_reaction_totals")),
    )

    if _is_postgres():
        for table, policies in POLICIES.items():
            op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"GRANT SELECT ON public.{table} TO anon")
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.{table} TO authenticated")
            for name, command, using in policies:
                op.execute(f"CREATE POLICY {name} ON public.{table} FOR {command} TO authenticated USING ({using})")
            op.execute(
                f"CREATE POLICY {table}_admin_all ON public.{table} FOR ALL TO authenticated "
                f"USING ({ADMIN}) WITH CHECK ({ADMIN})"
            )


def downgrade():
    # Dropping the tables drops their policies and grants with them.
    op.drop_table("reaction_totals")
    with op.batch_alter_table("product_feature_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_product_feature_spans_session_id_product_id")
    op.drop_table("product_feature_spans")
    with op.batch_alter_table("product_clicks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_clicks_user_id"))
        batch_op.drop_index("ix_product_clicks_session_id_product_id")
    op.drop_table("product_clicks")
    with op.batch_alter_table("session_products", schema=None) as batch_op:
        batch_op.drop_column("added_at")
        batch_op.drop_column("featured_at")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("currency")
