"""Command-line tasks for staff accounts: ``flask --app portal staff-create``, ``staff-access``,
``staff-disable`` and ``staff-demo-code`` (or the same after ``civic-portal``). Each change is the
domain's (``portal.accounts.staff``), audited with the operator as a system actor."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
import pyotp
from flask import Flask, current_app

from . import db
from .accounts import staff
from .actors import Actor
from .cases.policy import ROLES
from .demo import staff as demo_staff

MESSAGES = {
    "bad_email": "{detail!r} is not an email address.",
    "no_name": "Give the member's name with --name.",
    "exists": "A member of staff has the email address {detail} already.",
    "weak_password": "That password cannot be used ({detail}): use at least 12 characters, not a common one.",
    "self": "Members cannot change their own access.",
}


def _fail(error: staff.StaffError, departments: list[str]) -> click.ClickException:
    if error.code == "unknown_role":
        return click.ClickException(f"Unknown role: {error.detail}. The roles are: {', '.join(sorted(ROLES))}.")
    if error.code == "unknown_department":
        return click.ClickException(f"Unknown department: {error.detail}. The departments are: "
                                    f"{', '.join(sorted(departments))}.")
    return click.ClickException(MESSAGES.get(error.code, "{code}").format(detail=error.detail, code=error.code))


def _departments(app: Flask) -> list[str]:
    return [d.code for d in app.extensions["catalog"].departments]


def _member(session, email: str):
    member = staff.find_by_email(session, email)
    if member is None:
        raise click.ClickException(f"No member of staff has the email address {email}.")
    return member


def _describe(member) -> str:
    return f"roles: {', '.join(member.roles) or '-'}; departments: {', '.join(member.departments) or '-'}"


def staff_commands(app: Flask, cli_actor: Callable[[], Actor], page_url: Callable[..., str]) -> None:
    @app.cli.command("staff-create")
    @click.argument("email")
    @click.option("--name", required=True, help="The member's full name.")
    @click.option("--role", "roles", multiple=True, required=True, help="A role (repeat for several).")
    @click.option("--department", "departments", multiple=True, help="A department code (repeat for several).")
    @click.option("--password-stdin", is_flag=True,
                  help="Read the first password from standard input instead of printing a random one.")
    def staff_create_command(email: str, name: str, roles: tuple[str, ...], departments: tuple[str, ...],
                             password_stdin: bool) -> None:
        """Add a member of staff. They set up their authenticator app at their first sign-in."""
        known = _departments(current_app)
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else staff.random_password()
        try:
            with db.session_scope(current_app) as session:
                member = staff.create(session, cli_actor(), email=email, name=name, roles=roles,
                                      departments=departments, known_departments=known, password=password)
                click.echo(f"Added {member.name} <{member.email}> ({_describe(member)}).")
        except staff.StaffError as error:
            raise _fail(error, known) from None
        click.echo(f"Sign in at {page_url(current_app, 'staff_auth.sign_in')} with that email address and "
                   + ("the password given." if password_stdin else f"this one-time password: {password}"))
        click.echo("At the first sign-in they set up an authenticator app and are shown recovery codes once.")

    @app.cli.command("staff-access")
    @click.argument("email")
    @click.option("--role", "roles", multiple=True, help="The roles they will have (repeat; replaces all).")
    @click.option("--department", "departments", multiple=True,
                  help="The departments they will work in (repeat; replaces all).")
    def staff_access_command(email: str, roles: tuple[str, ...], departments: tuple[str, ...]) -> None:
        """Change a member's roles and/or departments."""
        if not roles and not departments:
            raise click.ClickException("Give --role and/or --department.")
        known = _departments(current_app)
        try:
            with db.session_scope(current_app) as session:
                member = _member(session, email)
                staff.change_access(session, cli_actor(), member, roles=roles or None,
                                    departments=departments or None, known_departments=known)
                click.echo(f"{member.email} now has {_describe(member)}.")
        except staff.StaffError as error:
            raise _fail(error, known) from None

    @app.cli.command("staff-disable")
    @click.argument("email")
    def staff_disable_command(email: str) -> None:
        """Stop a member signing in and end their sessions."""
        with db.session_scope(current_app) as session:
            member = _member(session, email)
            staff.disable(session, cli_actor(), member)
        click.echo(f"{email} is disabled and signed out everywhere.")

    @app.cli.command("staff-demo-code")
    @click.argument("email")
    def staff_demo_code_command(email: str) -> None:
        """Print the current authenticator code of a DEMO member of staff (development only)."""
        if current_app.config["PORTAL_ENV"] == "production":
            raise click.ClickException("There are no demo staff in production (PORTAL_ENV=production).")
        with db.session_scope(current_app, immediate=False) as session:
            member = staff.find_by_email(session, email)
            if member is None or not member.demo or not member.totp_secret:
                raise click.ClickException(f"{email} is not a demo member of staff: only theirs are printed.")
            click.echo(pyotp.TOTP(member.totp_secret).now())


def show_demo_staff(app: Flask, seeded: list[demo_staff.SeededStaff], page_url: Callable[..., str]) -> None:
    click.echo(f"Demo staff: sign in at {page_url(app, 'staff_auth.sign_in')} with password "
               f"{demo_staff.PASSWORD!r}, then the code printed by")
    click.echo("  civic-portal staff-demo-code EMAIL    (or add the key "
               f"{demo_staff.TOTP_SECRET} to an authenticator app)")
    for item in seeded:
        demo = item.demo
        click.echo(f"  {demo.email:<30} {demo.role:<17} {demo.story}")
    click.echo("")
