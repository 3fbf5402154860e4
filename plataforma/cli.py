"""Flask CLI: create-user, seed-demo, prune-tokens, webhooks-worker."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from plataforma.errors import AppError
from plataforma.extensions import db
from plataforma.models import Role
from plataforma.seed import seed_demo
from plataforma.services import accounts, commit, tokens
from plataforma.workers import webhooks as webhooks_worker


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(prune_tokens_command)
    app.cli.add_command(webhooks_worker_command)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role], case_sensitive=False), default="ATTENDEE")
def create_user_command(email: str, password: str, name: str, role: str) -> None:
    """Create a user with the given role."""
    if len(password) < 8:
        raise click.BadParameter("must be at least 8 characters", param_hint="--password")
    try:
        profile = accounts.create_user(email=email, password=password, name=name, role=Role(role.upper()))
        commit()
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {profile.role.value} {profile.email} ({profile.id})")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo project, event, sessions, stream, rooms, poll, survey, products and accounts (idempotent)."""
    logins = seed_demo()
    click.echo("Demo data ready. Logins:")
    for role, email, password in logins:
        click.echo(f"  {role:<10} {email}  /  {password}")


@click.command("prune-tokens")
@with_appcontext
def prune_tokens_command() -> None:
    """Forget revoked tokens that have expired anyway."""
    pruned = tokens.prune_expired()
    commit()
    click.echo(f"Pruned {pruned} expired revoked tokens")


@click.command("webhooks-worker")
@with_appcontext
def webhooks_worker_command() -> None:
    """Deliver webhooks until stopped (SPEC §16); any number may run next to the web processes."""
    click.echo("Delivering webhooks (Ctrl+C to stop)")
    webhooks_worker.run_forever(current_app._get_current_object())
