"""Demo staff for development: one member per role, in the departments the demo's stories need,
all with the same known password and the same fixed authenticator secret. Each is marked ``demo``:
production refuses to start while one exists, and refuses their sign-in.

``flask --app portal staff-demo-code EMAIL`` prints a demo member's current code, so nobody needs an
authenticator app to try the staff pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..accounts import staff
from ..actors import system

PASSWORD = "staff demo walnut 58"
# Fixed so that a demo member may be added to an authenticator app once and for all (base32).
TOTP_SECRET = "DEMOSTAFFRIVERTONDEMOSTAFF234567"
ALL = None  # every department of the catalog


@dataclass(frozen=True)
class DemoStaff:
    email: str
    name: str
    role: str
    departments: tuple[str, ...] | None
    story: str  # what they are for, printed by seed-demo


STAFF = (
    DemoStaff("caseworker@riverton.example", "Casey Caseworker", "caseworker", ("public-works",),
              "works public works cases (potholes)"),
    DemoStaff("supervisor@riverton.example", "Sam Supervisor", "supervisor", ("public-works",),
              "assigns and bulk-moves public works cases"),
    DemoStaff("agent@riverton.example", "Alex Agent", "contact_centre", ALL,
              "enters cases for callers, in any department"),
    DemoStaff("sanitation@riverton.example", "Dana Sanitation", "caseworker", ("sanitation",),
              "a caseworker of another department: 404 for public works cases until transferred"),
    DemoStaff("dept.admin@riverton.example", "Pat Department-Admin", "department_admin", ("public-works",),
              "public works staff and templates"),
    DemoStaff("records@riverton.example", "Riley Records", "records_officer", (),
              "retention, holds and exports"),
    DemoStaff("auditor@riverton.example", "Avery Auditor", "auditor", (), "reads the audit trail"),
    DemoStaff("designer@riverton.example", "Devon Designer", "service_designer", ALL,
              "previews and checks service definitions"),
    DemoStaff("admin@riverton.example", "Ali System-Admin", "system_admin", (), "manages staff"),
)


@dataclass(frozen=True)
class SeededStaff:
    demo: DemoStaff
    created: bool


def seed(session: Session, known_departments: Iterable[str], source: str = "cli") -> list[SeededStaff]:
    """Make each demo member of staff unless someone has their email address already."""
    known = list(known_departments)
    actor = system("seed-demo", source)
    seeded = []
    for demo in STAFF:
        if staff.find_by_email(session, demo.email) is not None:
            seeded.append(SeededStaff(demo, created=False))
            continue
        departments = known if demo.departments is ALL else [d for d in demo.departments if d in known]
        member = staff.create(session, actor, email=demo.email, name=demo.name, roles=[demo.role],
                              departments=departments, known_departments=known, password=PASSWORD, demo=True)
        member.totp_secret = TOTP_SECRET
        seeded.append(SeededStaff(demo, created=True))
    return seeded
