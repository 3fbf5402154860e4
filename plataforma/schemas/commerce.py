"""Live commerce (SPEC §10): products, products in a session, reactions.

Money is a ``Decimal`` inside and a two-decimal string on the wire (``"19.90"``); input
may be a string or a JSON number with at most two decimals, 0..1,000,000. Floats never
carry money: a JSON number is converted through its shortest text form (``19.9`` ->
``Decimal("19.9")``), never through its binary value.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

import marshmallow as ma
from marshmallow import fields, validate

from plataforma.models.commerce import REACTION_TYPES
from plataforma.schemas.base import (
    CamelSchema,
    OptionalText,
    PaginationArgs,
    QueryArgs,
    StrictBoolean,
    Text,
    UTCDateTime,
)

CENT = Decimal("0.01")
MAX_PRICE = Decimal("1000000")
DISPLAY_ORDER_MIN, DISPLAY_ORDER_MAX = -1_000_000, 1_000_000
_AMOUNT = re.compile(r"^[+-]?[0-9]{1,20}(\.[0-9]{1,20})?$", re.ASCII)


class Money(fields.Field):
    """A non-negative amount with at most two decimals, dumped as a two-decimal string."""

    default_error_messages = {
        "invalid": 'Not a valid amount: use a number or a string like "19.90".',
        "decimals": "Use at most two decimals.",
        "range": "Must be between 0 and 1000000.",
    }

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(Decimal(value).quantize(CENT))

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool):  # JSON true is not 1
            raise self.make_error("invalid")
        if isinstance(value, int):
            amount = Decimal(value)
        elif isinstance(value, float):
            if not math.isfinite(value):  # NaN, Infinity, 1e309
                raise self.make_error("invalid")
            amount = Decimal(repr(value))
        elif isinstance(value, str) and _AMOUNT.match(value.strip()):
            try:
                amount = Decimal(value.strip())
            except InvalidOperation:
                raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        if not amount.is_finite():
            raise self.make_error("invalid")
        if amount < 0 or amount > MAX_PRICE:
            raise self.make_error("range")
        if amount != amount.quantize(CENT):
            raise self.make_error("decimals")
        return amount.quantize(CENT)

    def _jsonschema_type_mapping(self):  # apispec: document it as a string
        return {"type": "string", "example": "19.90"}


# ---------------------------------------------------------------- products

_http_url = validate.URL(relative=False, schemes={"http", "https"}, error="Must be an http(s) URL.")


class ProductSchema(CamelSchema):
    id = fields.UUID(dump_only=True)
    name = Text(required=True, min_length=1, max_length=200)
    description = OptionalText(max_length=5000, multiline=True)
    price = Money(required=True, metadata={"type": "string", "example": "19.90"})
    original_price = Money(allow_none=True, metadata={"type": "string", "example": "29.90"})
    currency = fields.String(
        validate=validate.Regexp(r"^[A-Z]{3}$", error="An ISO 4217 code: three upper-case letters."),
        metadata={"example": "USD"},
    )
    category = OptionalText(max_length=100)
    in_stock = StrictBoolean()
    image_url = OptionalText(max_length=1000, validate=[_http_url])
    seller_id = fields.UUID(allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ProductCreateSchema(ProductSchema):
    @ma.validates_schema
    def original_not_below_price(self, data, **kwargs):
        original, price = data.get("original_price"), data.get("price")
        if original is not None and price is not None and original < price:
            raise ma.ValidationError("Must be greater than or equal to price.", "originalPrice")


class ProductUpdateSchema(ProductSchema):
    """PATCH: every field optional; ``originalPrice >= price`` is checked against the stored values too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ProductListArgs(PaginationArgs):
    q = Text(min_length=1, max_length=200)
    category = Text(min_length=1, max_length=100)
    min_price = Money()
    max_price = Money()
    in_stock = fields.Boolean(truthy={"true"}, falsy={"false"})


# ---------------------------------------------------------------- products in a session


class SessionProductSchema(CamelSchema):
    product = fields.Nested(ProductSchema)
    featured = fields.Boolean()
    display_order = fields.Integer()
    featured_at = UTCDateTime(allow_none=True)
    added_at = UTCDateTime()


class SessionProductsSchema(CamelSchema):
    """The ``products_updated`` payload."""

    session_id = fields.UUID()
    products = fields.List(fields.Nested(SessionProductSchema))


class ProductFeaturedSchema(CamelSchema):
    """The ``product_featured`` payload."""

    session_id = fields.UUID()
    item = fields.Nested(SessionProductSchema)


class AttachProductSchema(CamelSchema):
    product_id = fields.UUID(required=True)
    featured = StrictBoolean(load_default=False)
    display_order = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=DISPLAY_ORDER_MIN, max=DISPLAY_ORDER_MAX)
    )


class SessionProductUpdateSchema(CamelSchema):
    featured = StrictBoolean()
    display_order = fields.Integer(strict=True, validate=validate.Range(min=DISPLAY_ORDER_MIN, max=DISPLAY_ORDER_MAX))


class SessionProductListArgs(QueryArgs):
    featured = fields.Boolean(truthy={"true"}, falsy={"false"})


# ---------------------------------------------------------------- reactions


class ReactionSchema(CamelSchema):
    """``{sessionId, type}``: REST body and ``send_reaction`` payload."""

    session_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(REACTION_TYPES))


class AcceptedSchema(CamelSchema):
    accepted = fields.Boolean()


class ReactionCountsSchema(CamelSchema):
    like = fields.Integer()
    heart = fields.Integer()
    fire = fields.Integer()
    clap = fields.Integer()


class ReactionTotalsSchema(CamelSchema):
    session_id = fields.UUID()
    totals = fields.Nested(ReactionCountsSchema)


class ReactionsBatchSchema(CamelSchema):
    """The ``reactions`` broadcast: what arrived since the previous one."""

    session_id = fields.UUID()
    counts = fields.Nested(ReactionCountsSchema)
