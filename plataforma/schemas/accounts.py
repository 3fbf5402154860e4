"""Auth and profile payloads."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from plataforma.models import Role, UserStatus
from plataforma.schemas.base import OPTIONAL, CamelSchema, Enum, OptionalText, Text, UTCDateTime, ViewSchema


class SignUpSchema(CamelSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))
    name = Text(required=True, min_length=1, max_length=120)
    company = OptionalText(max_length=120)
    title = OptionalText(max_length=120)


class SignInSchema(CamelSchema):
    email = Text(required=True, min_length=1, max_length=254)
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class RefreshSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=4096))


class SignOutSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    refresh_token = fields.String(validate=validate.Length(max=4096))


class SessionSchema(ma.Schema):
    """Supabase's names, kept as they are (SPEC §4)."""

    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    expires_at = fields.Integer()


class UserSchema(CamelSchema):
    id = fields.UUID()
    email = fields.String()


class GuestSignInSchema(CamelSchema):
    """``POST /api/auth/guest``: the event a guest wants to watch (SPEC §12)."""

    event_id = fields.UUID(required=True)


class GuestSessionSchema(ma.Schema):
    """A guest's session: an access token only (no refresh token; a new guest session when it expires)."""

    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    expires_at = fields.Integer()


class GuestAuthResponseSchema(CamelSchema):
    session = fields.Nested(GuestSessionSchema)


class MeUserSchema(CamelSchema):
    """``user`` of ``GET /api/auth/me``: ``{id, email}`` for an account, ``{id, role: "GUEST"}`` for a guest."""

    id = fields.UUID()
    email = fields.String(metadata=OPTIONAL)  # accounts only
    role = fields.String(metadata={**OPTIONAL, "enum": ["GUEST"]})  # guests only


_PUBLIC_PROFILE = (
    "id",
    "name",
    "role",
    "avatar",
    "company",
    "title",
    "status",
    "last_login_at",
    "created_at",
    "updated_at",
)


class ProfileSchema(ViewSchema):
    """``public``: what anyone signed in sees; ``private`` adds the email (its owner, admins)."""

    views = {"public": _PUBLIC_PROFILE, "private": (*_PUBLIC_PROFILE, "email")}

    id = fields.UUID(dump_only=True)
    name = Text(min_length=1, max_length=120)
    role = Enum(Role)
    avatar = OptionalText(max_length=500, validate=[validate.URL(relative=False, schemes={"http", "https"})])
    company = OptionalText(max_length=120)
    title = OptionalText(max_length=120)
    status = Enum(UserStatus)
    last_login_at = UTCDateTime(dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)
    email = fields.String(dump_only=True, metadata=OPTIONAL)  # the private view only


class ProfileUpdateSchema(ProfileSchema):
    """The PATCH body: the writable fields of a profile (load with ``partial=True``)."""


class AuthResponseSchema(CamelSchema):
    user = fields.Nested(UserSchema)
    profile = fields.Nested(ProfileSchema)
    session = fields.Nested(SessionSchema)


class MeSchema(CamelSchema):
    user = fields.Nested(MeUserSchema)
    profile = fields.Nested(ProfileSchema, allow_none=True)  # null for a guest


class RefreshResponseSchema(ma.Schema):
    session = fields.Nested(SessionSchema)


class PublicUserSchema(CamelSchema):
    """The author summary embedded in messages and questions."""

    id = fields.UUID()
    name = fields.String()
    avatar = fields.String(allow_none=True)
    role = Enum(Role)
