"""moderation controls (SPEC §15)

Session settings (columns of ``event_sessions``), question approval and anonymity
(``questions.status``, ``questions.is_anonymous``), poll result visibility
(``polls.results_visibility``), event bans (``event_bans``) and the audit log
(``audit_log``). The two new tables are server-only on PostgreSQL (row-level security
on, no policy, no grant), and attendees reading ``questions`` directly see approved ones
only (plus their own).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:45:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SERVER_ONLY = ["event_bans", "audit_log"]
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
SESSION = "public.session_visible(session_id)"
UID = "(SELECT auth.uid())"


def upgrade():
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('slow_mode_seconds', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('questions_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('question_moderation', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('anonymous_questions', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('blocked_terms', JSON, server_default='[]', nullable=False))

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('PENDING', 'APPROVED', name='question_status', native_enum=False, create_constraint=True, length=16), server_default='APPROVED', nullable=False))
        batch_op.add_column(sa.Column('is_anonymous', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_visibility', sa.Enum('LIVE', 'AFTER_CLOSE', name='poll_results_visibility', native_enum=False, create_constraint=True, length=16), server_default='LIVE', nullable=False))

    op.create_table('event_bans',
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['profiles.id'], name=op.f('fk_event_bans_created_by_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_bans_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['profiles.id'], name=op.f('fk_event_bans_user_id_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_bans')),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_event_bans_event_id_user_id')
    )
    with op.batch_alter_table('event_bans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_bans_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('details', JSON, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['profiles.id'], name=op.f('fk_audit_log_actor_id_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_audit_log_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_event_id_created_at', ['event_id', 'created_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in SERVER_ONLY:
            op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"REVOKE ALL ON public.{table} FROM anon, authenticated")
        # A pending question is its author's (and the moderators', through the API) until approved.
        op.execute("DROP POLICY questions_select_visible ON public.questions")
        op.execute(
            "CREATE POLICY questions_select_visible ON public.questions FOR SELECT TO authenticated "
            f"USING ({SESSION} AND ((NOT is_hidden AND status = 'APPROVED') OR user_id = {UID}))"
        )
        # A client inserting directly cannot skip the queue of a moderated session, nor approve its own.
        op.execute("DROP POLICY questions_insert_own ON public.questions")
        op.execute(
            "CREATE POLICY questions_insert_own ON public.questions FOR INSERT TO authenticated WITH CHECK ("
            f"user_id = {UID} AND upvotes = 0 AND NOT is_answered AND NOT is_hidden AND {SESSION} AND ("
            "status = 'PENDING' OR NOT EXISTS (SELECT 1 FROM public.event_sessions s "
            "WHERE s.id = session_id AND s.question_moderation)))"
        )
        _guard_questions(GUARDED + ["status"])


GUARDED = ["session_id", "upvotes", "is_answered", "is_hidden"]


def _guard_questions(columns):
    op.execute("DROP TRIGGER questions_guard_admin_columns ON public.questions")
    args = ", ".join(f"'{column}'" for column in columns)
    op.execute(
        "CREATE TRIGGER questions_guard_admin_columns BEFORE UPDATE ON public.questions "
        f"FOR EACH ROW EXECUTE FUNCTION public.guard_admin_columns({args})"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _guard_questions(GUARDED)
        op.execute("DROP POLICY questions_insert_own ON public.questions")
        op.execute(
            "CREATE POLICY questions_insert_own ON public.questions FOR INSERT TO authenticated WITH CHECK ("
            f"user_id = {UID} AND upvotes = 0 AND NOT is_answered AND NOT is_hidden AND {SESSION})"
        )
        op.execute("DROP POLICY questions_select_visible ON public.questions")
        op.execute(
            "CREATE POLICY questions_select_visible ON public.questions FOR SELECT TO authenticated "
            f"USING ({SESSION} AND (NOT is_hidden OR user_id = {UID}))"
        )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_event_id_created_at')
    op.drop_table('audit_log')
    with op.batch_alter_table('event_bans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_bans_user_id'))
    op.drop_table('event_bans')
    # The enum CHECK constraints go first (SQLite's batch copy would keep them, naming dropped columns).
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_polls_poll_results_visibility'), type_='check')
        batch_op.drop_column('results_visibility')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_questions_question_status'), type_='check')
        batch_op.drop_column('is_anonymous')
        batch_op.drop_column('status')
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_column('blocked_terms')
        batch_op.drop_column('anonymous_questions')
        batch_op.drop_column('question_moderation')
        batch_op.drop_column('questions_enabled')
        batch_op.drop_column('slow_mode_seconds')
        batch_op.drop_column('chat_enabled')
