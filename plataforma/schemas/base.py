"""Schema base classes and field types shared by REST, sockets and forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from plataforma.limits import LIST_MAX
from plataforma.values import as_utc

# C0/C1 control characters (tab and newlines are normalised separately), invisible
# formatting characters, and lone UTF-16 surrogates, which JSON allows but no database stores.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)

# Metadata of a response field that only some responses carry (``fields.List(..., metadata=OPTIONAL)``):
# the OpenAPI finisher (plataforma/api/openapi.py) leaves it out of ``required``, where every other
# response field is listed (and is then always present, ``null`` when it has no value).
OPTIONAL = {"optional": True}


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Trim, drop control characters; newlines kept only where multi-line text makes sense."""
    value = _CONTROL.sub("", value)
    if not multiline:
        value = re.sub(r"[\t\r\n]+", " ", value)
    else:
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return value.strip()


def camelcase(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class CamelSchema(ma.Schema):
    """snake_case attributes in Python, camelCase keys on the wire; unknown keys are errors."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = camelcase(field_obj.data_key or field_name)


class ViewSchema(CamelSchema):
    """Output that depends on who is asking: the one way to shape it (as CTFd does).

    - ``views`` names the field lists each kind of viewer gets; ``Schema(view="private")`` dumps
      only those fields (no ``view``: every field, which is also what the OpenAPI document shows).
      Which view a caller gets is decided by a service (e.g. ``accounts.profile_view``).
    - Facts about the caller that need the database (``hasResponded``...) are computed by a
      service in one query for the whole list and handed in as ``viewer={...}``; fields read
      them from ``self.viewer``. A fact that was not handed in leaves its field out.
    """

    views: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, *args, view: str | None = None, viewer: dict | None = None, **kwargs):
        if view is not None:
            kwargs["only"] = self.views[view]
        super().__init__(*args, **kwargs)
        self.view = view
        self.viewer = viewer or {}


class Text(fields.String):
    """A cleaned string: trimmed, control characters removed, length enforced after cleaning."""

    def __init__(
        self, *args, min_length: int | None = None, max_length: int | None = None, multiline: bool = False, **kwargs
    ):
        self.multiline = multiline
        validators = list(kwargs.pop("validate", None) or [])
        if min_length is not None or max_length is not None:
            validators.append(validate.Length(min=min_length, max=max_length))
        super().__init__(*args, validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return clean_text(text, multiline=self.multiline)


class OptionalText(Text):
    """Like Text, but an empty result means "no value" (stored as NULL)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_none", True)
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return text or None

    def _validate(self, value):
        if value is not None:
            super()._validate(value)


class UTCDateTime(fields.DateTime):
    """ISO-8601 in UTC with a ``Z``; naive values (SQLite) are taken as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:59-05:00 is past year 9999 in UTC
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


class Enum(fields.Enum):
    """Enums by value on the wire."""

    def __init__(self, enum, **kwargs):
        super().__init__(enum, by_value=True, **kwargs)


class ErrorDetailSchema(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    # Socket acks of rate limits (``rate_limited``, ``slow_mode``): the seconds REST sends as Retry-After.
    retry_after = ma.fields.Integer(data_key="retryAfter")  # `fields` is a field here


class ErrorSchema(ma.Schema):
    """The error contract (SPEC §4), for the OpenAPI document."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class StrictBoolean(fields.Boolean):
    """Only JSON ``true``/``false`` (marshmallow's Boolean also takes 1, "yes", "on"...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


MAX_OFFSET = 2**31 - 1  # past any real list, and inside every database's integer range


class QueryArgs(CamelSchema):
    """Query-string arguments: an empty value (``?status=``) means the argument is absent."""

    @ma.pre_load
    def drop_empty(self, data, **kwargs):
        return {key: value for key, value in data.items() if value != ""}


class PaginationArgs(QueryArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=LIST_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))
