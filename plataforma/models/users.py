"""Accounts: profiles, their credentials, revoked tokens."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plataforma.extensions import db
from plataforma.models.base import Timestamps, enum_column, utcnow


class Role(str, enum.Enum):
    """The one place that says what each role may do; everything else asks these properties."""

    ATTENDEE = "ATTENDEE"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"

    @property
    def is_staff(self) -> bool:
        """Moderators and admins: moderate chat, Q&A and polls; use the dashboard."""
        return self in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        """Admins: manage content and surveys, see DRAFT projects, change roles, read emails."""
        return self is Role.ADMIN


class UserStatus(str, enum.Enum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    AWAY = "AWAY"


class Credential(Timestamps, db.Model):
    """The login half of a user (Supabase's ``auth.users``): email + password hash."""

    __tablename__ = "credentials"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))

    profile: Mapped[Profile] = relationship(back_populates="credential", uselist=False, passive_deletes=True)


class Profile(Timestamps, db.Model):
    """The public half of a user. ``profile.id`` is the user id."""

    __tablename__ = "profiles"
    __table_args__ = (sa.Index("ix_profiles_role", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("credentials.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role, "profile_role"), default=Role.ATTENDEE, nullable=False)
    avatar: Mapped[str | None] = mapped_column(sa.String(500))
    company: Mapped[str | None] = mapped_column(sa.String(120))
    title: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[UserStatus] = mapped_column(
        enum_column(UserStatus, "profile_status"), default=UserStatus.OFFLINE, nullable=False
    )
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    credential: Mapped[Credential] = relationship(back_populates="profile", lazy="joined")

    @property
    def email(self) -> str:
        return self.credential.email

    @property
    def is_moderator(self) -> bool:
        """Moderator or admin (``Role.is_staff``)."""
        return self.role.is_staff

    @property
    def is_admin(self) -> bool:
        return self.role.is_admin


class RevokedToken(db.Model):
    """A signed-out access token or a used/signed-out refresh token, kept until it expires."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    token_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("profiles.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    revoked_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
