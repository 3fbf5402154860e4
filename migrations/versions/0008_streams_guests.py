"""stream lifecycle and guests (SPEC §11, §12)

* ``streams.status`` gains ``PAUSED`` (its CHECK constraint is re-created with the new list);
* ``events.allow_guests`` (default false): anonymous viewers may get a GUEST token for the event;
* ``session_views`` records guests' visits: ``user_id`` becomes nullable, ``guest_id`` holds the
  guest token's id, and a CHECK says a visit has exactly one of the two.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_STATUSES = ("IDLE", "LIVE", "ENDED")
NEW_STATUSES = ("IDLE", "LIVE", "PAUSED", "ENDED")


def _status_check(statuses) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _set_statuses(statuses) -> None:
    # The CHECK of a non-native Enum is named by the naming convention: ck_<table>_<enum name>.
    with op.batch_alter_table("streams", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_streams_stream_status"), type_="check")
        batch_op.create_check_constraint("stream_status", _status_check(statuses))


def upgrade():
    _set_statuses(NEW_STATUSES)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allow_guests", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("session_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guest_id", sa.Uuid(), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_check_constraint("one_viewer", "(user_id IS NULL) <> (guest_id IS NULL)")


def downgrade():
    op.execute("DELETE FROM session_views WHERE user_id IS NULL")  # guests' visits have no place before 0008
    with op.batch_alter_table("session_views", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_session_views_one_viewer"), type_="check")
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("guest_id")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("allow_guests")
    op.execute("UPDATE streams SET status = 'LIVE' WHERE status = 'PAUSED'")
    _set_statuses(OLD_STATUSES)
