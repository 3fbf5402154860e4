"""What attendees watch: projects > events > sessions, streams and rooms."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plataforma.extensions import db
from plataforma.models.base import JSONType, Timestamps, UUIDPrimaryKey, enum_column
from plataforma.models.search import SearchDocument, searchable, trigram_index


class ProjectStatus(str, enum.Enum):
    DRAFT = "DRAFT"
    LIVE = "LIVE"
    ENDED = "ENDED"


class EventStatus(str, enum.Enum):
    SCHEDULED = "SCHEDULED"
    LIVE = "LIVE"
    ENDED = "ENDED"


class StreamSource(str, enum.Enum):
    YOUTUBE = "YOUTUBE"
    RTMP = "RTMP"
    HLS = "HLS"
    AGORA = "AGORA"


class StreamStatus(str, enum.Enum):
    IDLE = "IDLE"
    LIVE = "LIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class Project(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), default=ProjectStatus.DRAFT, nullable=False
    )
    is_on_demand: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    youtube_video_id: Mapped[str | None] = mapped_column(sa.String(64))
    thumbnail: Mapped[str | None] = mapped_column(sa.String(500))

    events: Mapped[list[Event]] = relationship(back_populates="project", passive_deletes=True)


class Event(UUIDPrimaryKey, Timestamps, SearchDocument, db.Model):
    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_status", "status"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True, nullable=False)
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.SCHEDULED, nullable=False
    )
    start_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    category: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # Lower-cased, unique, at most 10 (the schema normalises them); JSONB on PostgreSQL.
    tags: Mapped[list | None] = mapped_column(JSONType, default=list)
    # Anonymous viewers may get a GUEST token for this event (SPEC §12); admins set it.
    allow_guests: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false(), nullable=False)

    project: Mapped[Project] = relationship(back_populates="events")
    sessions: Mapped[list[EventSession]] = relationship(back_populates="event", passive_deletes=True)


sa.Index("ix_events_tags", Event.tags, postgresql_using="gin")
trigram_index(Event)
searchable(Event, "title", "description", "category", "tags")


class EventSession(UUIDPrimaryKey, Timestamps, SearchDocument, db.Model):
    __tablename__ = "event_sessions"

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    speaker: Mapped[str | None] = mapped_column(sa.String(200))
    start_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Moderation settings (SPEC §15), shown as the Session's ``settings`` object.
    chat_enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true(), nullable=False)
    slow_mode_seconds: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)
    questions_enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true(), nullable=False)
    question_moderation: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false(), nullable=False
    )
    anonymous_questions: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false(), nullable=False
    )
    blocked_terms: Mapped[list] = mapped_column(JSONType, default=list, server_default="[]", nullable=False)

    event: Mapped[Event] = relationship(back_populates="sessions")

    SETTINGS = (
        "chat_enabled",
        "slow_mode_seconds",
        "questions_enabled",
        "question_moderation",
        "anonymous_questions",
        "blocked_terms",
    )

    @property
    def settings(self) -> dict:
        return {name: getattr(self, name) for name in self.SETTINGS}


trigram_index(EventSession)
searchable(EventSession, "title", "description", "speaker")


class Stream(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "streams"

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source_type: Mapped[StreamSource] = mapped_column(enum_column(StreamSource, "stream_source"), nullable=False)
    source_url: Mapped[str | None] = mapped_column(sa.String(1000))
    status: Mapped[StreamStatus] = mapped_column(
        enum_column(StreamStatus, "stream_status"), default=StreamStatus.IDLE, nullable=False
    )
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Room(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "rooms"

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    speaker: Mapped[str | None] = mapped_column(sa.String(200))
    topic: Mapped[str | None] = mapped_column(sa.String(500))
    thumbnail: Mapped[str | None] = mapped_column(sa.String(500))
    is_main_stage: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
