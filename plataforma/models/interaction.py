"""What attendees do in a session: chat, Q&A, polls, surveys."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plataforma.extensions import db
from plataforma.models.base import CreatedAt, JSONType, Timestamps, UUIDPrimaryKey, enum_column, utcnow
from plataforma.models.moderation import QuestionStatus, ResultsVisibility
from plataforma.models.users import Profile


def _session_fk() -> sa.ForeignKey:
    return sa.ForeignKey("event_sessions.id", ondelete="CASCADE")


def _profile_fk() -> sa.ForeignKey:
    return sa.ForeignKey("profiles.id", ondelete="CASCADE")


class Message(UUIDPrimaryKey, CreatedAt, db.Model):
    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_session_id_created_at", "session_id", "created_at"),)

    session_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _session_fk(), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _profile_fk(), nullable=False, index=True)
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    is_pinned: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_deleted: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)

    user: Mapped[Profile] = relationship(lazy="joined", innerjoin=True)


class Question(UUIDPrimaryKey, CreatedAt, db.Model):
    __tablename__ = "questions"

    session_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _session_fk(), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _profile_fk(), nullable=False, index=True)
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    upvotes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)
    is_answered: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    # SPEC §15: PENDING until approved when the session moderates questions; anonymous: the author is
    # hidden from attendees (not from moderators).
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus, "question_status"),
        default=QuestionStatus.APPROVED,
        server_default=QuestionStatus.APPROVED.value,
        nullable=False,
    )
    is_anonymous: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false(), nullable=False)

    user: Mapped[Profile] = relationship(lazy="joined", innerjoin=True)


sa.Index("ix_questions_session_id_upvotes", Question.session_id, Question.upvotes.desc())


class QuestionUpvote(CreatedAt, db.Model):
    """One row per (question, user): the primary key makes "one upvote each" true."""

    __tablename__ = "question_upvotes"

    question_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _profile_fk(), primary_key=True, index=True)


class Poll(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "polls"
    __table_args__ = (
        sa.Index("ix_polls_session_id", "session_id"),
        # At most one active poll per session, guaranteed by the database.
        sa.Index(
            "uq_polls_one_active_per_session",
            "session_id",
            unique=True,
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _session_fk(), nullable=False)
    question: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    results_visibility: Mapped[ResultsVisibility] = mapped_column(
        enum_column(ResultsVisibility, "poll_results_visibility"),
        default=ResultsVisibility.LIVE,
        server_default=ResultsVisibility.LIVE.value,
        nullable=False,
    )

    options: Mapped[list[PollOption]] = relationship(
        order_by="PollOption.position", lazy="selectin", passive_deletes=True
    )


class PollOption(UUIDPrimaryKey, db.Model):
    __tablename__ = "poll_options"
    __table_args__ = (sa.UniqueConstraint("id", "poll_id", name="uq_poll_options_id_poll_id"),)

    poll_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("polls.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class PollVote(UUIDPrimaryKey, CreatedAt, db.Model):
    __tablename__ = "poll_votes"
    __table_args__ = (
        sa.Index("ix_poll_votes_poll_id_user_id", "poll_id", "user_id", unique=True),
        # The option must belong to the poll voted in.
        sa.ForeignKeyConstraint(
            ["option_id", "poll_id"],
            ["poll_options.id", "poll_options.poll_id"],
            name="fk_poll_votes_option_of_poll",
            ondelete="CASCADE",
        ),
    )

    poll_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("polls.id", ondelete="CASCADE"), nullable=False)
    option_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _profile_fk(), nullable=False, index=True)


class SurveyFieldType(str, enum.Enum):
    RATING = "RATING"
    TEXT = "TEXT"
    CHOICE = "CHOICE"


class Survey(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "surveys"

    session_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _session_fk(), nullable=False, index=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    fields: Mapped[list[SurveyField]] = relationship(
        order_by="SurveyField.position", lazy="selectin", passive_deletes=True, cascade="all, delete-orphan"
    )


class SurveyField(UUIDPrimaryKey, db.Model):
    __tablename__ = "survey_fields"

    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True
    )
    question: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    type: Mapped[SurveyFieldType] = mapped_column(enum_column(SurveyFieldType, "survey_field_type"), nullable=False)
    options: Mapped[list | None] = mapped_column(JSONType)
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class SurveyResponse(UUIDPrimaryKey, CreatedAt, db.Model):
    __tablename__ = "survey_responses"
    __table_args__ = (sa.UniqueConstraint("survey_id", "user_id", name="uq_survey_responses_survey_id_user_id"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _profile_fk(), nullable=False, index=True)
    responses: Mapped[dict] = mapped_column(JSONType, nullable=False)


class EventUser(UUIDPrimaryKey, Timestamps, db.Model):
    """Attendance of one user at one event, accumulated over visits."""

    __tablename__ = "event_users"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id", name="uq_event_users_event_id_user_id"),)

    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _profile_fk(), nullable=False, index=True)
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    left_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    watch_time: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)
    engagement_score: Mapped[float] = mapped_column(sa.Float, default=0, server_default="0", nullable=False)


class SessionView(UUIDPrimaryKey, db.Model):
    """One visit of one viewer to one session (join → leave): a user's, or a guest's (SPEC §12: no
    user, the guest token's id), never both."""

    __tablename__ = "session_views"
    __table_args__ = (
        sa.Index("ix_session_views_session_id_joined_at", "session_id", "joined_at"),
        sa.CheckConstraint("(user_id IS NULL) <> (guest_id IS NULL)", name="one_viewer"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _session_fk(), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, _profile_fk(), index=True)
    guest_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    left_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
