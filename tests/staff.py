"""Signing a test client in as a member of staff: through the real sign-in pages (password, then a
current code from the member's authenticator secret); a member with cases of each kind to open."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp

from . import factories
from .conftest import post_form
from .factories import STAFF_PASSWORD


def current_code(member) -> str:
    return pyotp.TOTP(member.totp_secret).now()


def next_code(member) -> str:
    """The code of the next 30-second step: accepted (one step of clock difference is allowed) and
    never the one a sign-in just used."""
    return pyotp.TOTP(member.totp_secret).at(time.time() + 30)


def sign_in_staff(client, member, *, password: str = STAFF_PASSWORD, code: str | None = None):
    """Sign ``client`` in as ``member``; returns the response to the second-factor page's post."""
    first = post_form(client, "/staff/sign-in", {"email": member.email, "password": password})
    assert first.status_code == 302, first.status_code
    return post_form(client, "/staff/sign-in/code", {"code": code or current_code(member)})


def wrong_code(member) -> str:
    """Six digits that are none of the codes the member's authenticator shows around now."""
    totp = pyotp.TOTP(member.totp_secret)
    step = totp.timecode(datetime.now(UTC))
    near = {totp.generate_otp(step + offset) for offset in range(-3, 4)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


@dataclass
class Casework:
    """A member of staff of public works and urban forestry, and cases of theirs to open."""

    member: Any
    plain: str  # a pothole report in the resident's language (``resident_locale``)
    documents: str  # a tree-removal permit with a document, overdue
    history: str  # a pothole report asked about, answered and resolved, with internal notes
    neighbour: str  # another resident's pothole report at the same address, being reviewed
    duplicate: str = ""  # a third report of the same pothole, to merge into ``plain``
    colleague: Any = None  # another member of public works, to assign cases to


def casework(app, tag: str, resident_locale: str = "es", roles: tuple[str, ...] = ("caseworker",)) -> Casework:
    """Cases for ``Casework``; ``tag`` keeps the member's and the resident's addresses apart from
    other walks on the same database. The member has ``roles``."""
    from portal import db
    from portal.accounts import staff
    from portal.cases import tracking
    from portal.cases.transitions import transition

    member = factories.staff_member(app, f"staff.{tag}@riverton.example", name="Casey Worker",
                                    roles=roles, departments=("public-works", "urban-forestry"))
    colleague = factories.staff_member(app, f"crew.{tag}@riverton.example", name="Dana Crew",
                                       departments=("public-works",))
    resident = {"name": "Ana Díaz", "email": f"resident.{tag}@example.com"}
    plain = factories.case(app, "pothole", contact=resident, locale=resident_locale)
    documents = factories.case(app, "tree-removal", contact=resident)
    history = factories.case(app, "pothole", "in_review",
                             factories.Staff("more_info_needed", public="Which lane is it in?",
                                             internal="Looks deep; check the kerb too."),
                             factories.Answer("The left lane, near the bus stop."), contact=resident)
    neighbour = factories.case(app, "pothole", "in_review", contact={"name": "Bo Lind", "email": f"bo.{tag}@example.com"})
    duplicate = factories.case(app, "pothole", contact={"name": "Cy Moss", "email": f"cy.{tag}@example.com"})
    with db.session_scope(app) as s:
        transition(s, tracking.get(s, history.case.reference), "resolved", staff.actor_for(member),
                   public_note="We filled it.", internal_note="Crew 4, two hours.")
        late = tracking.get(s, documents.case.reference)
        late.respond_by = late.resolve_by = date.today() - timedelta(days=21)
    return Casework(member, plain.case.reference, documents.case.reference, history.case.reference,
                    neighbour.case.reference, duplicate.case.reference, colleague)
