"""Command-line tasks: ``flask --app portal <command>`` or ``civic-portal <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from . import db
from .audit import breaks, first_broken


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
        with db.session_scope(current_app, immediate=False) as session:
            found = breaks(session)
        for broken in found:
            click.echo(f"Chain {broken.chain}: broken at record {broken.record_id}: {broken.reason}.", err=True)
        if found:
            raise click.ClickException(f"The audit trail is broken at record {first_broken(found)}.")
        click.echo("The audit trail is intact.")

    notify_commands(app)
    case_commands(app)


def notify_commands(app: Flask) -> None:
    @app.cli.command("notify-worker")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
    @click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
                  help="Seconds to wait when nothing is due.")
    @click.option("--worker-id", default=None, help="Name in the delivery log (default: host:pid).")
    def notify_worker_command(once: bool, interval: float, worker_id: str | None) -> None:
        """Deliver queued notifications (email, text, letters, calls) until stopped."""
        from .notify import channels, worker

        try:
            ready = channels.build(current_app.config)
        except (channels.UnknownTransport, ValueError) as error:
            raise click.ClickException(str(error)) from None
        stats = worker.run(current_app._get_current_object(), once=once, interval=interval,
                           worker_id=worker_id, channels=ready)
        if once:
            click.echo(f"{stats.sent} sent, {stats.retried} to retry, {stats.failed} failed.")

    @app.cli.command("notify-status")
    @click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
                  help="How many failed messages to list.")
    def notify_status_command(limit: int) -> None:
        """Count notifications by status and list the failed ones with their last error."""
        from .notify import worker

        with db.session_scope(current_app) as session:
            counts = worker.status_counts(session)
            failed = worker.failed_messages(session, limit)
            for status, count in counts.items():
                click.echo(f"{status:<8} {count}")
            if failed:
                click.echo("")
                click.echo("Failed messages (newest first):")
                for note in failed:
                    click.echo(f"  #{note.id} {note.key} {note.template} by {note.channel}, "
                               f"{note.attempts} attempt(s), queued {note.created_at:%Y-%m-%d %H:%M} UTC")
                    click.echo(f"      last error: {note.last_error or '-'}")
                click.echo("")
                click.echo("Put one back in the queue with: flask --app portal notify-requeue ID")

    @app.cli.command("notify-requeue")
    @click.argument("ids", nargs=-1, type=int, required=True)
    def notify_requeue_command(ids: tuple[int, ...]) -> None:
        """Put failed notifications back in the queue (after fixing the cause)."""
        from .notify import worker

        with db.session_scope(current_app) as session:
            count = worker.requeue(session, list(ids))
        click.echo(f"{count} notification(s) queued again.")


def _cli_actor():
    import getpass

    from .audit import Actor

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        user = "unknown"
    return Actor(f"cli:{user}", "cli")


def case_commands(app: Flask) -> None:
    @app.cli.command("drafts-expire")
    def drafts_expire_command() -> None:
        """Delete expired drafts and tell residents once, 3 days before, that theirs will go (run daily)."""
        from .cases import drafts

        with db.session_scope(current_app) as session:
            run = drafts.expire(session, _cli_actor(), secret_key=current_app.config["SECRET_KEY"],
                                base_url=current_app.config["PUBLIC_BASE_URL"],
                                timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
        click.echo(f"{run.deleted} expired draft(s) deleted, {run.notified} reminder(s) queued.")

    @app.cli.command("case-transition")
    @click.argument("reference")
    @click.argument("status", type=click.Choice(_statuses()))
    @click.option("--note", default=None, help="Public note: the resident sees it (e.g. the question to answer).")
    @click.option("--internal-note", default=None, help="Internal note: staff only.")
    def case_transition_command(reference: str, status: str, note: str | None, internal_note: str | None) -> None:
        """Move a case to STATUS, as staff would (for demo data and manual testing)."""
        from .cases import states, tracking
        from .cases.references import normalise
        from .cases.transitions import transition

        with db.session_scope(current_app) as session:
            case = tracking.get(session, normalise(reference) or reference)
            if case is None:
                raise click.ClickException(f"No case with reference {reference}.")
            try:
                transition(session, case, status, _cli_actor(), public_note=note, internal_note=internal_note)
            except states.IllegalTransition as error:
                allowed = ", ".join(sorted(states.allowed(case.kind, case.status))) or "none"
                raise click.ClickException(f"{error} (allowed from {case.status}: {allowed}).") from None
            click.echo(f"{case.reference} is now {status}.")


def _statuses() -> list[str]:
    from .cases.states import STATUSES

    return list(STATUSES)


def _create() -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create)
def main() -> None:
    """Civic Portal management commands."""
