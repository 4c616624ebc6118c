"""Demo data for development: residents, and requests with a history, made through the domain.

    seeded = demo.seed(session, catalog, build.Settings.of(app, link_for))

``flask --app portal seed-demo`` calls it (and refuses to in production). Running it again adds
only what is missing, so it never makes a second copy: a resident with an account is there when
an account has their email address; a request is there when its resident already has a request
for that service (on their account, or for a guest with the same email address or phone number).
Everything is written in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts import registry
from ..actors import GUEST, RESIDENT, Actor
from ..catalog import Catalog
from ..models import Account, Case
from . import build
from . import staff as demo_staff
from .answers import misfits, sample
from .stories import RESIDENTS, STORIES, Resident, Story

__all__ = ["RESIDENTS", "STORIES", "Seeded", "SeededCase", "SeededResident", "seed"]

SOURCE = "cli"


@dataclass(frozen=True)
class SeededResident:
    resident: Resident
    created: bool


@dataclass(frozen=True)
class SeededCase:
    story: Story
    reference: str | None
    status: str | None
    created: bool
    skipped: str | None = None  # why there is no such request (another catalog than the demo city's)


@dataclass(frozen=True)
class Seeded:
    residents: list[SeededResident]
    cases: list[SeededCase]
    staff: list[demo_staff.SeededStaff]

    @property
    def created(self) -> int:
        return sum(r.created for r in (*self.residents, *self.cases, *self.staff))


def resident_actor(account: Account | None) -> Actor:
    if account is None:
        return Actor(GUEST, source=SOURCE)
    return Actor(RESIDENT, str(account.id), source=SOURCE)


def seed(session: Session, catalog: Catalog, settings: build.Settings) -> Seeded:
    """Make the demo staff, the demo residents' accounts and their requests, each with its history,
    unless there."""
    staff = demo_staff.seed(session, [d.code for d in catalog.departments], SOURCE)
    accounts: dict[str, Account] = {}
    residents = []
    for resident in RESIDENTS:
        if resident.password is None:
            continue
        account = registry.find_by_email(session, resident.email)
        residents.append(SeededResident(resident, created=account is None))
        if account is None:
            account = build.account(session, resident.email, resident.password, settings, resident_actor(None),
                                    locale=resident.locale, contact={**resident.contact, "locale": resident.locale})
        accounts[resident.email] = account
    return Seeded(residents, [_story(session, catalog, settings, story, accounts) for story in STORIES], staff)


def _story(session: Session, catalog: Catalog, settings: build.Settings, story: Story,
           accounts: dict[str, Account]) -> SeededCase:
    definition = catalog.service(story.service)
    if definition is None:
        return SeededCase(story, None, None, created=False, skipped="this catalog has no such service")
    resident = story.resident
    account = accounts.get(resident.email) if resident.password else None
    existing = _existing(session, story, account)
    if existing is not None:
        return SeededCase(story, existing.reference, existing.status, created=False)
    answers = {**sample(story.service, settings.today()), **story.answers}
    wrong = misfits(definition, answers)
    if wrong:
        return SeededCase(story, None, None, created=False,
                          skipped=f"the demo's answers do not fit this catalog's service ({wrong[0]})")
    actor = resident_actor(account)
    contact = None if account else {"name": resident.name, "locale": resident.locale, **resident.contact}
    submitted = build.case(session, definition, answers, settings, actor, locale=resident.locale,
                           account_id=account.id if account else None, contact=contact)
    if story.days_ago:
        build.backdate(submitted.case, definition, story.days_ago, settings)
    build.play(session, submitted.case, story.steps, settings, source=SOURCE)
    return SeededCase(story, submitted.case.reference, submitted.case.status, created=True)


def _existing(session: Session, story: Story, account: Account | None) -> Case | None:
    query = select(Case).filter_by(service_code=story.service)
    if account is not None:
        query = query.filter_by(account_id=account.id)
    elif story.resident.email:
        query = query.filter_by(contact_email=story.resident.email)
    else:
        query = query.filter_by(contact_phone=story.resident.phone)
    return session.scalar(query.order_by(Case.id).limit(1))
