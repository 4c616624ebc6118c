"""Accounts, drafts, cases and documents for tests, made through the domain functions.

They build through ``portal.demo.build``, as the demo data does: an account is signed up and
verified, a case is a draft answered and submitted, each move is a transition, each file an
upload. Nothing adds model rows by hand, so a test's data is data the portal could have made.

Each takes the app first. With ``session`` it works in that session (the caller commits);
without, in its own transaction, committed on return like a request. Objects returned from their
own transaction keep the attributes loaded when it ended (``reference``, ``id``…).

    owner = factories.account(app)                           # verified, password PASSWORD
    made = factories.case(app, "pothole", "in_review",       # a guest's case, moved by staff
                          Staff("more_info_needed", public="Which lane?"))
    client.get(f"/track/t/{made.tracking_token}")            # this browser may now act on it
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from portal import db
from portal.actors import GUEST as GUEST_KIND
from portal.actors import RESIDENT, Actor, system
from portal.cases import tracking
from portal.cases.submit import Submitted
from portal.catalog import ServiceDefinition
from portal.cli import email_links
from portal.demo import build
from portal.demo.answers import sample
from portal.demo.build import Answer, NotFixed, Rate, Staff, Withdraw
from portal.models import Account, Case, Document, Draft

__all__ = ["GUEST", "PASSWORD", "STAFF", "Answer", "NotFixed", "Rate", "Staff", "Withdraw", "account",
           "answers", "case", "document", "draft", "move", "settings"]

PASSWORD = "violet kettle marches north"
STAFF = system("staff@riverton.example", "web")
# A guest's contact page: name, email, and the choices left as they are.
GUEST = {"name": "Ana Díaz", "email": "ana@example.com"}


@contextmanager
def _session(app, session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
        session.flush()
        return
    with db.session_scope(app) as own:
        yield own


def settings(app) -> build.Settings:
    return build.Settings.of(app, email_links(app))


def _definition(app, service: str) -> ServiceDefinition:
    definition = app.extensions["catalog"].service(service)
    if definition is None:
        raise KeyError(f"the app's catalog has no service {service!r}")
    return definition


def _resident(account_id: int | None) -> Actor:
    return Actor(RESIDENT, str(account_id), address="127.0.0.1") if account_id else Actor(GUEST_KIND, address="127.0.0.1")


def answers(app, service: str, **changes: Any) -> dict[str, Any]:
    """Every answer ``service`` of the demo catalog needs (portal/demo/answers.py), with ``changes``."""
    return {**sample(service, settings(app).today()), **changes}


def account(app, email: str = "ana@example.com", *, password: str = PASSWORD, verified: bool = True,
            locale: str = "en", contact: Mapping[str, Any] | None = None,
            session: Session | None = None) -> Account:
    """A signed-up account; ``verified`` follows the emailed link. ``contact``: preferences to set
    (preferred_channel, phone, postal, locale…)."""
    with _session(app, session) as s:
        return build.account(s, email, password, settings(app), Actor(GUEST_KIND, address="127.0.0.1"),
                             locale=locale, verified=verified, contact=contact)


def draft(app, service: str = "pothole", *, answers: Mapping[str, Any] | None = None,
          account: Account | None = None, contact: Mapping[str, Any] | None = None, locale: str = "en",
          session: Session | None = None) -> tuple[Draft, str]:
    """A draft and its token. ``answers`` None gives every answer (a demo catalog service only);
    pass the ones wanted, or {} for a draft just started."""
    with _session(app, session) as s:
        given = sample(service, settings(app).today()) if answers is None else answers
        return build.draft(s, _definition(app, service), given, settings(app), locale=locale,
                           account_id=account.id if account else None, contact=contact)


def case(app, service: str = "pothole", *steps: str | build.Step, answers: Mapping[str, Any] | None = None,
         account: Account | None = None, contact: Mapping[str, Any] | None = None, locale: str = "en",
         session: Session | None = None) -> Submitted:
    """A submitted case, then ``steps`` (a status for staff to move it to, or a step of
    portal/demo/build.py). A guest's case has the ``GUEST`` contact, updated with ``contact``."""
    with _session(app, session) as s:
        given = sample(service, settings(app).today()) if answers is None else answers
        account_id = account.id if account else None
        given_contact = None if account is not None else {**GUEST, "locale": locale, **(contact or {})}
        made = build.case(s, _definition(app, service), given, settings(app), _resident(account_id),
                          locale=locale, account_id=account_id, contact=given_contact)
        build.play(s, made.case, steps, settings(app), source="web")
        return made


def move(app, case_or_reference: Case | str, *steps: str | build.Step, session: Session | None = None) -> None:
    """Take ``steps`` on an existing case: statuses staff move it to, or steps of portal/demo/build.py."""
    reference = getattr(case_or_reference, "reference", case_or_reference)
    with _session(app, session) as s:
        found = tracking.get(s, reference)
        build.play(s, found, steps, settings(app), source="web")


def document(app, owner: Draft | Case, question_code: str, name: str = "plan.pdf", *, data: bytes | None = None,
             session: Session | None = None) -> Document:
    """One upload for a draft's or case's question, checked and stored like the upload page's."""
    with _session(app, session) as s:
        return build.upload(s, owner, question_code, name, settings(app), data=data)


STAFF_PASSWORD = "copper lantern drifts slowly"


def staff_member(app, email: str = "cw@riverton.example", *, roles=("caseworker",), departments=("public-works",),
                 name: str = "Casey Worker", password: str | None = STAFF_PASSWORD, totp: bool = True,
                 session: Session | None = None):
    """A member of staff made as ``flask staff-create`` makes one (audited), with a TOTP secret
    unless ``totp`` is False. Returns the member (``totp_secret`` readable)."""
    from portal.accounts import staff

    with _session(app, session) as s:
        known = [d.code for d in app.extensions["catalog"].departments]
        member = staff.create(s, system("tests"), email=email, name=name, roles=roles, departments=departments,
                              known_departments=known, password=password)
        if totp:
            staff.new_totp_secret(member)
        s.flush()
        return member
