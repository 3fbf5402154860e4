"""Accounts: profiles, their credentials, revoked tokens."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
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

    is_guest = False  # see Guest


class GuestRole:
    """What a guest's ``role`` says: neither staff nor admin. Not a ``Role`` member: a guest has no
    profile row, and no profile may ever be given this role (``Role`` is the profiles' column type)."""

    value = "GUEST"
    is_staff = False
    is_admin = False


GUEST = GuestRole()


@dataclass(frozen=True)
class Guest:
    """An anonymous viewer of one event (SPEC §12): who a GUEST token speaks for. No row anywhere;
    ``id`` is the token's own (a fresh UUID per guest session), ``event_id`` the one event it may see.

    It answers the questions services ask a ``Profile`` (``id``, ``role``, ``is_moderator``,
    ``is_admin``), so reads work unchanged; ``plataforma.services.visibility`` scopes them to
    ``event_id``, and the edges (``plataforma.auth``, ``realtime.guard``) refuse every route and
    socket event not on the guests' allow-list with 403 ``guest_not_allowed``.
    """

    id: uuid.UUID
    event_id: uuid.UUID
    role = GUEST
    is_guest = True
    is_moderator = False
    is_admin = False
    name = None
    avatar = None


class RevokedToken(db.Model):
    """A signed-out access token or a used/signed-out refresh token, kept until it expires."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    token_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("profiles.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    revoked_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
