"""Command-line tasks: ``flask --app portal <command>`` or ``civic-portal <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from . import db
from .audit import verify_chain


def alembic_config(app: Flask):
    from alembic.config import Config

    from . import resource

    cfg = Config()
    cfg.set_main_option("script_location", str(resource("migrations")))
    cfg.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


def migrate(app: Flask, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(app), revision)


def init_app(app: Flask) -> None:
    @app.cli.command("migrate")
    @click.argument("revision", default="head")
    def migrate_command(revision: str) -> None:
        """Bring the database schema up to date (Alembic upgrade)."""
        migrate(current_app, revision)
        click.echo(f"Database is at {revision}.")

    @app.cli.command("load-catalog")
    def load_catalog_command() -> None:
        """Validate the catalog folder and store any new version of each service definition."""
        from .cases.definitions import stored_version

        catalog = current_app.extensions["catalog"]
        with db.session_scope(current_app) as session:
            for definition in catalog.services.values():
                row = stored_version(session, definition)
                click.echo(f"{definition.code}: version {row.version}")
        click.echo(f"{len(catalog.services)} services loaded from {current_app.config['CATALOG_DIR']}.")

    @app.cli.command("verify-audit")
    def verify_audit_command() -> None:
        """Check that no audit record has been changed or removed."""
        with db.session_scope(current_app) as session:
            broken = verify_chain(session)
        if broken is not None:
            raise click.ClickException(f"The audit trail is broken at record {broken}.")
        click.echo("The audit trail is intact.")


def _create() -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create)
def main() -> None:
    """Civic Portal management commands."""
