"""Command-line tasks: ``flask --app portal <command>`` or ``civic-portal <command>``."""

from __future__ import annotations

import getpass

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app, url_for

from . import db, demo
from .accounts import visits, webhooks
from .actors import Actor, system
from .audit import breaks, first_broken
from .cases import drafts, tracking, workflow
from .cases.contact import format_phone
from .cases.definitions import stored_version
from .cases.references import normalise
from .cases.transitions import transition
from .cases.workflow import IllegalTransition
from .demo import responses
from .demo.build import Settings
from .notify import channels, worker
from .resources import resource
from .api_cli import api_client_commands
from .staff_cli import show_demo_staff, staff_commands
from .webhook_cli import webhook_commands
from .web.account.auth import link_for


def alembic_config(app: Flask):
    cfg = Config()
    cfg.set_main_option("script_location", str(resource("migrations")))
    cfg.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


def migrate(app: Flask, revision: str = "head") -> None:
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
    demo_commands(app)
    staff_commands(app, _cli_actor, page_url)
    api_client_commands(app, _cli_actor)
    webhook_commands(app, _cli_actor)


def notify_commands(app: Flask) -> None:
    @app.cli.command("notify-worker")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
    @click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
                  help="Seconds to wait when nothing is due.")
    @click.option("--worker-id", default=None, help="Name in the delivery log (default: host:pid).")
    def notify_worker_command(once: bool, interval: float, worker_id: str | None) -> None:
        """Deliver queued notifications (email, text, letters, calls) until stopped."""
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
    @click.argument("ids", nargs=-1, type=int)
    @click.option("--webhook", "webhook_id", default=None,
                  help="Every failed delivery of this webhook subscription (its id, wh_…).")
    def notify_requeue_command(ids: tuple[int, ...], webhook_id: str | None) -> None:
        """Put failed notifications and webhook deliveries back in the queue (after fixing the cause)."""
        if not ids and not webhook_id:
            raise click.UsageError("Give the ids of failed notifications, or --webhook ID.")
        with db.session_scope(current_app) as session:
            chosen = list(ids)
            if webhook_id:
                subscription = webhooks.find(session, None, webhook_id)
                if subscription is None:
                    raise click.ClickException(f"No webhook subscription has the id {webhook_id}.")
                chosen += webhooks.failed_ids(session, subscription)
            count = worker.requeue(session, chosen)
        click.echo(f"{count} notification(s) queued again.")


def _cli_actor() -> Actor:
    """The command line acts for the agency as a whole, recorded under the operator's user name."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        user = "unknown"
    return system(f"cli:{user}", "cli")


def case_commands(app: Flask) -> None:
    @app.cli.command("drafts-expire")
    def drafts_expire_command() -> None:
        """Delete expired drafts and tell residents once, 3 days before, that theirs will go; delete
        ended and expired visits (run daily)."""
        with db.session_scope(current_app) as session:
            run = drafts.expire(session, _cli_actor(), secret_key=current_app.config["SECRET_KEY"],
                                base_url=current_app.config["PUBLIC_BASE_URL"],
                                timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
            ended = visits.purge(session)
        click.echo(f"{run.deleted} expired draft(s) deleted, {run.notified} reminder(s) queued, "
                   f"{ended} ended visit(s) removed.")

    @app.cli.command("case-transition")
    @click.argument("reference")
    @click.argument("status", type=click.Choice(_statuses()))
    @click.option("--note", default=None, help="Public note: the resident sees it (e.g. the question to answer).")
    @click.option("--internal-note", default=None, help="Internal note: staff only.")
    def case_transition_command(reference: str, status: str, note: str | None, internal_note: str | None) -> None:
        """Move a case to STATUS, as staff would (for demo data and manual testing)."""
        with db.session_scope(current_app) as session:
            case = tracking.get(session, normalise(reference) or reference)
            if case is None:
                raise click.ClickException(f"No case with reference {reference}.")
            try:
                transition(session, case, status, _cli_actor(), public_note=note, internal_note=internal_note)
            except IllegalTransition as error:
                allowed = ", ".join(sorted(workflow.of(case.kind).moves()[case.status])) or "none"
                raise click.ClickException(f"{error} (allowed from {case.status}: {allowed}).") from None
            click.echo(f"{case.reference} is now {status}.")


def page_url(app: Flask, endpoint: str, **values) -> str:
    """A full link to a page, outside a request: built from PUBLIC_BASE_URL, as messages build theirs."""
    with app.test_request_context():
        return app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def email_links(app: Flask):
    """The links an emailed message carries (verify, reset…), for a command or a test to pass to
    the domain outside a request."""
    def links(purpose: str, token: str) -> str:
        with app.test_request_context():
            return link_for(purpose, token)

    return links


def demo_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Add demo residents and requests with a history, and list them (development only).

        Running it again adds only what is missing and lists everything again.
        """
        if current_app.config["PORTAL_ENV"] == "production":
            raise click.ClickException(
                "seed-demo makes accounts whose passwords are printed, so it does not run in production "
                "(PORTAL_ENV=production). Use it in development only.")
        running = current_app._get_current_object()
        with db.session_scope(running) as session:
            seeded = demo.seed(session, running.extensions["catalog"], Settings.of(running, email_links(running)))
            templates_made = responses.seed(session, running.extensions["catalog"], system("seed-demo"),
                                            running.config["SHIPPED_LOCALES"])
        _show_seeded(running, seeded)
        click.echo(f"Demo response templates: {templates_made} added, {len(responses.TEMPLATES)} in all.")


def _show_seeded(app: Flask, seeded) -> None:
    catalog = app.extensions["catalog"]
    show_demo_staff(app, seeded.staff, page_url)
    click.echo(f"Demo residents with an account: sign in at {page_url(app, 'auth.sign_in')}")
    for item in seeded.residents:
        resident = item.resident
        click.echo(f"  {resident.email:<22} password: {resident.password:<26} {resident.name} ({resident.locale})")
    click.echo("")
    click.echo(f"Demo requests: track a guest's at {page_url(app, 'tracking.track')} with its reference "
               "and the email or phone shown")
    names = {c.story.service: catalog.service(c.story.service) for c in seeded.cases if c.reference}
    width = max((len(d.name("en")) for d in names.values()), default=0)
    for item in seeded.cases:
        story, resident = item.story, item.story.resident
        if item.reference is None:
            click.echo(f"  {'-':<11}  {story.service} skipped: {item.skipped}")
            continue
        definition = names[story.service]
        how = (f"sign in as {resident.email}" if resident.password
               else f"track with {resident.email or format_phone(resident.phone)}")
        click.echo(f"  {item.reference}  {definition.name('en'):<{width}}  {definition.kind:<9} "
                   f"{resident.locale}  {item.status:<16}  {how}")
    click.echo("")
    made = [c for c in seeded.cases if c.created]
    accounts = [r for r in seeded.residents if r.created]
    if seeded.created:
        click.echo(f"Made now: {sum(s.created for s in seeded.staff)} staff member(s), {len(accounts)} "
                   f"account(s) and {len(made)} request(s), with their messages "
                   "queued for the notification worker.")
    else:
        click.echo("Nothing new: the demo staff, residents and requests were already there (a request counts as "
                   "there when its resident has one for that service).")


def _statuses() -> list[str]:
    return list(workflow.STATUSES)
