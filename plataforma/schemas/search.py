"""Search and discovery (SPEC §14): arguments and result shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from plataforma.models import EventStatus
from plataforma.schemas.base import CamelSchema, Enum, PaginationArgs, Text
from plataforma.schemas.commerce import Money, ProductSchema
from plataforma.schemas.content import EventSchema, EventSessionSchema

PRICE_MAX = 1_000_000


class SearchArgs(PaginationArgs):
    q = Text(required=True, min_length=1, max_length=200)
    type = fields.String(load_default="all", validate=validate.OneOf(("all", "events", "sessions", "products")))
    status = Enum(EventStatus)
    category = Text(min_length=1, max_length=100)
    min_price = Money()  # as the catalogue's filters: a decimal string or number, 0..1000000
    max_price = Money()
    in_stock = fields.Boolean(truthy={"true"}, falsy={"false"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class SearchTotalsSchema(CamelSchema):
    events = fields.Integer()
    sessions = fields.Integer()
    products = fields.Integer()


class SearchResultSchema(CamelSchema):
    query = fields.String()
    events = fields.List(fields.Nested(EventSchema))
    sessions = fields.List(fields.Nested(EventSessionSchema))
    products = fields.List(fields.Nested(ProductSchema))
    totals = fields.Nested(SearchTotalsSchema)


class DiscoverSchema(CamelSchema):
    live = fields.List(fields.Nested(EventSchema))
    upcoming = fields.List(fields.Nested(EventSchema))
    trending = fields.List(fields.Nested(EventSchema))
