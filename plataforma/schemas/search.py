"""Search and discovery (SPEC §14): arguments and result shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from plataforma.models import EventStatus
from plataforma.schemas.base import CamelSchema, Enum, PaginationArgs, Text, UTCDateTime
from plataforma.schemas.content import EventSchema, EventSessionSchema

PRICE_MAX = 1_000_000


class SearchArgs(PaginationArgs):
    q = Text(required=True, min_length=1, max_length=200)
    type = fields.String(load_default="all", validate=validate.OneOf(("all", "events", "sessions", "products")))
    status = Enum(EventStatus)
    category = Text(min_length=1, max_length=100)
    min_price = fields.Decimal(places=2, validate=validate.Range(min=0, max=PRICE_MAX))
    max_price = fields.Decimal(places=2, validate=validate.Range(min=0, max=PRICE_MAX))
    in_stock = fields.Boolean(truthy={"true"}, falsy={"false"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class ProductSummarySchema(CamelSchema):
    """A catalogue product as search shows it (the fields of SPEC §10's Product that exist here)."""

    id = fields.UUID()
    name = fields.String()
    description = fields.String(allow_none=True)
    price = fields.Decimal(places=2, as_string=True)
    original_price = fields.Decimal(places=2, as_string=True, allow_none=True)
    category = fields.String(allow_none=True)
    in_stock = fields.Boolean()
    image_url = fields.String(allow_none=True)
    seller_id = fields.UUID(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class SearchTotalsSchema(CamelSchema):
    events = fields.Integer()
    sessions = fields.Integer()
    products = fields.Integer()


class SearchResultSchema(CamelSchema):
    query = fields.String()
    events = fields.List(fields.Nested(EventSchema))
    sessions = fields.List(fields.Nested(EventSessionSchema))
    products = fields.List(fields.Nested(ProductSummarySchema))
    totals = fields.Nested(SearchTotalsSchema)


class DiscoverSchema(CamelSchema):
    live = fields.List(fields.Nested(EventSchema))
    upcoming = fields.List(fields.Nested(EventSchema))
    trending = fields.List(fields.Nested(EventSchema))
