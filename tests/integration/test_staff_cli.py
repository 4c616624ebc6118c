"""Staff on the command line (staff-create, staff-access, staff-disable, audited as the operator),
and the demo staff seed-demo makes: one per role, signed in with the printed password and the code
``staff-demo-code`` prints, refused by production."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import create_app
from portal.cases.policy import ROLES
from portal.config import ConfigError
from portal.demo import staff as demo_staff
from portal.models import AuditRecord, StaffMember

from .. import factories
from ..conftest import post_form


def run(app, *args, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def test_staff_create_prints_a_one_time_password_that_signs_in_to_the_set_up(app, db_session):
    result = run(app, "staff-create", "Kim@Riverton.example", "--name", "Kim Lee", "--role", "caseworker",
                 "--role", "supervisor", "--department", "public-works", "--department", "sanitation")
    assert result.exit_code == 0, result.output
    password = re.search(r"one-time password: (\S+)", result.output).group(1)
    assert "/staff/sign-in with that email address" in result.output
    member = db_session.scalar(select(StaffMember).filter_by(email="kim@riverton.example"))
    assert (member.roles, member.departments, member.demo) == (["caseworker", "supervisor"],
                                                               ["public-works", "sanitation"], False)
    row = db_session.scalar(select(AuditRecord).filter_by(action="staff.create"))
    assert row.actor.startswith("system:cli:") and row.source == "cli"
    signed = post_form(app.test_client(), "/staff/sign-in", {"email": "kim@riverton.example", "password": password})
    assert signed.headers["Location"].startswith("/staff/sign-in/set-up")


def test_staff_create_takes_the_password_from_standard_input(app):
    result = run(app, "staff-create", "kim@riverton.example", "--name", "Kim Lee", "--role", "auditor",
                 "--password-stdin", stdin="a long pass phrase of my own\n")
    assert result.exit_code == 0, result.output
    assert "one-time password" not in result.output
    assert post_form(app.test_client(), "/staff/sign-in", {"email": "kim@riverton.example",
                                                           "password": "a long pass phrase of my own"}).status_code == 302


@pytest.mark.parametrize("args, message", [
    (["--role", "wizard"], "Unknown role: wizard. The roles are: " + ", ".join(sorted(ROLES))),
    (["--role", "caseworker", "--department", "moon-base"], "Unknown department: moon-base. The departments are:"),
])
def test_staff_create_names_an_unknown_role_or_department(app, db_session, args, message):
    result = run(app, "staff-create", "kim@riverton.example", "--name", "Kim Lee", *args)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert db_session.scalar(select(StaffMember)) is None


def test_staff_access_and_disable_are_audited_with_before_and_after(app, db_session):
    factories.staff_member(app)
    changed = run(app, "staff-access", "cw@riverton.example", "--role", "supervisor")
    assert changed.exit_code == 0, changed.output
    assert "roles: supervisor; departments: public-works" in changed.output
    wrong = run(app, "staff-access", "cw@riverton.example", "--department", "atlantis")
    assert wrong.exit_code != 0 and "Unknown department: atlantis" in wrong.output
    assert run(app, "staff-access", "nobody@riverton.example", "--role", "auditor").exit_code != 0
    assert run(app, "staff-disable", "cw@riverton.example").exit_code == 0
    db_session.rollback()
    member = db_session.scalar(select(StaffMember))
    assert member.roles == ["supervisor"] and member.departments == ["public-works"] and member.disabled_at
    row = db_session.scalar(select(AuditRecord).filter_by(action="staff.change_access"))
    assert row.details["roles"] == [["caseworker"], ["supervisor"]] and row.actor.startswith("system:cli:")
    assert db_session.scalar(select(AuditRecord).filter_by(action="staff.disable")) is not None


def test_seed_demo_makes_one_demo_member_per_role_who_signs_in_with_the_printed_code(app, db_session):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert repr(demo_staff.PASSWORD) in result.output and "civic-portal staff-demo-code EMAIL" in result.output
    members = db_session.scalars(select(StaffMember)).all()
    assert {role for m in members for role in m.roles} == set(ROLES)
    assert all(m.demo for m in members)
    by_email = {m.email: m for m in members}
    assert by_email["caseworker@riverton.example"].departments == ["public-works"]
    assert by_email["sanitation@riverton.example"].departments == ["sanitation"]
    for member in members:
        assert member.email in result.output
    code = run(app, "staff-demo-code", "caseworker@riverton.example")
    assert code.exit_code == 0 and re.fullmatch(r"\d{6}\n", code.output)
    client = app.test_client()
    post_form(client, "/staff/sign-in", {"email": "caseworker@riverton.example", "password": demo_staff.PASSWORD})
    assert post_form(client, "/staff/sign-in/code", {"code": code.output.strip()}).status_code == 302
    assert "Casey Caseworker" in client.get("/staff/").get_data(as_text=True)
    again = run(app, "seed-demo")
    assert again.exit_code == 0 and "Nothing new" in again.output
    assert len(db_session.scalars(select(StaffMember)).all()) == len(members)


def test_staff_demo_code_is_for_demo_members_only(app):
    factories.staff_member(app)
    refused = run(app, "staff-demo-code", "cw@riverton.example")
    assert refused.exit_code != 0 and "not a demo member" in refused.output


def test_production_refuses_demo_staff(app, app_settings):
    assert run(app, "seed-demo").exit_code == 0
    production = {**app_settings, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40}
    with pytest.raises(ConfigError, match="demo staff accounts"):
        create_app(production)


def test_production_refuses_a_demo_members_sign_in_and_code(app, app_settings, db_session):
    """Were a demo member to reach a production database after start-up, they still cannot sign in."""
    production = create_app({**app_settings, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40,
                             "PUBLIC_BASE_URL": "http://localhost", "COOKIE_SECURE": False})
    try:
        assert run(app, "seed-demo").exit_code == 0
        client = production.test_client()
        answer = post_form(client, "/staff/sign-in", {"email": "caseworker@riverton.example",
                                                      "password": demo_staff.PASSWORD})
        assert answer.status_code == 401
        refused = run(production, "staff-demo-code", "caseworker@riverton.example")
        assert refused.exit_code != 0 and "no demo staff in production" in refused.output
    finally:
        production.extensions["db_engine"].dispose()
