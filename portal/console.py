"""The ``civic-portal`` command: Flask's command line with the portal's commands (``portal.cli``)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from . import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app())
def main() -> None:
    """Civic Portal management commands."""
