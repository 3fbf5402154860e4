"""/api/products: the product catalogue (SPEC §10); admins change it."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.commerce import ProductCreateSchema, ProductListArgs, ProductSchema, ProductUpdateSchema
from plataforma.services import commit, products

blp = Blueprint("products", __name__, url_prefix="/api/products", description="Product catalogue")


@blp.route("", methods=["GET"], strict_slashes=False)
@login_required
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, ProductSchema(many=True))
def list_products(args):
    """Products, newest first (`q`, `category`, `minPrice`, `maxPrice`, `inStock`, `limit`, `offset`)."""
    return products.list_products(current_user, args)


@blp.route("/<product_id>", methods=["GET"])
@login_required
@blp.response(200, ProductSchema)
def get_product(product_id):
    """One product."""
    return products.get_product(current_user, product_id)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(ProductCreateSchema)
@blp.response(201, ProductSchema)
def create_product(data):
    """Add a product to the catalogue (admin); money as `"19.90"` strings or numbers with two decimals."""
    product = products.create_product(current_user, data)
    commit()
    return product


@blp.route("/<product_id>", methods=["PATCH"])
@admin_required
@blp.arguments(ProductUpdateSchema)
@blp.response(200, ProductSchema)
def update_product(changes, product_id):
    """Change a product (admin); sessions showing it get `products_updated`."""
    product = products.update_product(current_user, product_id, changes)
    commit()
    return product


@blp.route("/<product_id>", methods=["DELETE"])
@admin_required
@blp.response(204)
def delete_product(product_id):
    """Delete a product (admin): it leaves every session, which get `products_updated`."""
    products.delete_product(current_user, product_id)
    commit()
