"""/api/projects: anyone signed in reads a project they may see; admins manage them."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from plataforma.auth import admin_required, login_required
from plataforma.schemas.content import ProjectCreateSchema, ProjectListArgs, ProjectSchema, ProjectUpdateSchema
from plataforma.services import commit
from plataforma.services import content as service

blp = Blueprint("projects", __name__, url_prefix="/api/projects", description="Projects (admin managed)")


@blp.route("", methods=["GET"], strict_slashes=False)
@admin_required
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, ProjectSchema(many=True))
def list_projects(args):
    """All projects, newest first (admin)."""
    return service.list_projects(current_user, **args)


@blp.route("", methods=["POST"], strict_slashes=False)
@admin_required
@blp.arguments(ProjectCreateSchema)
@blp.response(201, ProjectSchema)
def create_project(data):
    """Create a project; it starts as DRAFT unless a status is given (admin)."""
    project = service.create_project(current_user, data)
    commit()
    return project


@blp.route("/<project_id>", methods=["GET"])
@login_required
@blp.response(200, ProjectSchema)
def get_project(project_id):
    """A project (DRAFT ones only for admins)."""
    return service.get_project(current_user, project_id)


@blp.route("/<project_id>", methods=["PATCH"])
@admin_required
@blp.arguments(ProjectUpdateSchema)
@blp.response(200, ProjectSchema)
def update_project(changes, project_id):
    """Change a project (admin)."""
    project = service.update_project(current_user, project_id, changes)
    commit()
    return project


@blp.route("/<project_id>", methods=["DELETE"])
@admin_required
@blp.response(204)
def delete_project(project_id):
    """Delete a project and everything in it (admin)."""
    service.delete_project(current_user, project_id)
    commit()
