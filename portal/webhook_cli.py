"""Command-line tasks for webhook subscriptions of API clients: ``webhook-create``,
``webhook-list`` and ``webhook-delete``. Each change is the domain's (``portal.accounts.webhooks``),
audited with the operator as a system actor. ``notify-requeue --webhook ID`` puts a subscription's
failed deliveries back in the queue."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app

from . import db
from .accounts import api_clients, webhooks
from .actors import Actor
from .notify.webhooks import EVENTS

MESSAGES = {
    "no_url": "Give the receiver's address with --url.",
    "bad_url": "The address is not a usable URL (https://host/path, with no user name or fragment).",
    "insecure_url": "The address must start with https:// (plain http only to 127.0.0.1 where "
                    "WEBHOOK_ALLOW_HTTP is on).",
    "private_url": "The address names a private or local host: receivers must be reachable public hosts.",
    "no_events": "Give at least one --event. The events are: {events}.",
    "unknown_event": "Unknown event: {detail}. The events are: {events}.",
    "too_many": "This client has {detail} subscriptions already: delete one first.",
}


def message(error: webhooks.WebhookError) -> str:
    return MESSAGES.get(error.code, "{detail}").format(detail=error.detail, events=", ".join(EVENTS))


def webhook_commands(app: Flask, cli_actor: Callable[[], Actor]) -> None:
    @app.cli.command("webhook-create")
    @click.argument("client_id")
    @click.option("--url", required=True, help="The receiver's address (https).")
    @click.option("--event", "events", multiple=True, help=f"An event (repeat). Events: {', '.join(EVENTS)}.")
    def webhook_create_command(client_id: str, url: str, events: tuple[str, ...]) -> None:
        """Subscribe an API client's receiver to case events; prints the signing secret once."""
        try:
            with db.session_scope(current_app) as session:
                client = api_clients.active(session, client_id)
                if client is None:
                    raise click.ClickException(f"No active API client has the id {client_id}.")
                subscription, secret = webhooks.create(session, cli_actor(), client, url=url, events=list(events),
                                                       allow_http=current_app.config["WEBHOOK_ALLOW_HTTP"])
                public_id = subscription.public_id
        except webhooks.WebhookError as error:
            raise click.ClickException(message(error)) from None
        click.echo(f"webhook_id: {public_id}")
        click.echo(f"secret: {secret}")
        click.echo("The secret is shown only now: the receiver verifies each delivery's signature with it.")

    @app.cli.command("webhook-list")
    @click.argument("client_id")
    def webhook_list_command(client_id: str) -> None:
        """List an API client's webhook subscriptions."""
        with db.session_scope(current_app) as session:
            client = api_clients.find(session, client_id)
            if client is None:
                raise click.ClickException(f"No API client has the id {client_id}.")
            for subscription in webhooks.for_client(session, client):
                state = "active" if subscription.active else "paused"
                click.echo(f"{subscription.public_id} {state} {subscription.url} {' '.join(subscription.events)}")

    @app.cli.command("webhook-delete")
    @click.argument("webhook_id")
    def webhook_delete_command(webhook_id: str) -> None:
        """Delete a subscription: nothing more is sent to it; its delivery log is kept."""
        with db.session_scope(current_app) as session:
            subscription = webhooks.find(session, None, webhook_id)
            if subscription is None:
                raise click.ClickException(f"No webhook subscription has the id {webhook_id}.")
            webhooks.delete(session, cli_actor(), subscription)
        click.echo(f"{webhook_id} is deleted.")
