"""Command-line tasks for clients of the case API: ``flask --app portal api-client-create`` and
``api-client-revoke`` (or the same after ``civic-portal``). Each change is the domain's
(``portal.accounts.api_clients``), audited with the operator as a system actor."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app

from . import db
from .accounts import api_clients
from .actors import Actor
from .cases.policy import ROLES

MESSAGES = {
    "no_name": "Give the client's name with --name.",
    "no_role": "Give at least one --role. The roles are: {roles}.",
    "unknown_role": "Unknown role: {detail}. The roles are: {roles}.",
    "unknown_department": "Unknown department: {detail}. The departments are: {departments}.",
    "unknown_scope": "Unknown scope: {detail}. The scopes are: {scopes}.",
}


def api_client_commands(app: Flask, cli_actor: Callable[[], Actor]) -> None:
    @app.cli.command("api-client-create")
    @click.option("--name", required=True, help="What the client is (e.g. the works-order system).")
    @click.option("--role", "roles", multiple=True, help="A role (repeat for several).")
    @click.option("--department", "departments", multiple=True, help="A department code (repeat for several).")
    @click.option("--scope", "scopes", multiple=True,
                  help=f"A scope (repeat; default: {' '.join(api_clients.DEFAULT_SCOPES)}). "
                       f"Scopes: {', '.join(api_clients.SCOPES)}.")
    def api_client_create_command(name: str, roles: tuple[str, ...], departments: tuple[str, ...],
                                  scopes: tuple[str, ...]) -> None:
        """Register a client of the case API; prints its client id and secret once."""
        known = [d.code for d in current_app.extensions["catalog"].departments]
        try:
            with db.session_scope(current_app) as session:
                client, secret = api_clients.create(session, cli_actor(), name=name, roles=roles,
                                                    departments=departments, known_departments=known,
                                                    scopes=scopes)
        except api_clients.ApiClientError as error:
            raise click.ClickException(MESSAGES.get(error.code, "{detail}").format(
                detail=error.detail, roles=", ".join(sorted(ROLES)), departments=", ".join(sorted(known)),
                scopes=", ".join(api_clients.SCOPES))) from None
        click.echo(f"Registered {client.name} (roles: {', '.join(client.roles)}; departments: "
                   f"{', '.join(client.departments) or '-'}; scopes: {' '.join(client.scopes)}).")
        click.echo(f"client_id: {client.client_id}")
        click.echo(f"client_secret: {secret}")
        click.echo("The secret is shown only now: store it in the client's secret store.")

    @app.cli.command("api-client-revoke")
    @click.argument("client_id")
    def api_client_revoke_command(client_id: str) -> None:
        """Stop a client: its secret and all its tokens stop working at once."""
        with db.session_scope(current_app) as session:
            client = api_clients.find(session, client_id)
            if client is None:
                raise click.ClickException(f"No API client has the id {client_id}.")
            api_clients.revoke(session, cli_actor(), client)
        click.echo(f"{client_id} is revoked; its tokens no longer work.")
