"""Who is acting: one value for every front door (resident web, staff web, case API, command line,
worker), built once per request or command and passed down to the domain, which decides with it
(``portal.cases.policy``) and records it (``portal.audit``)."""

from __future__ import annotations

from dataclasses import dataclass

RESIDENT = "resident"  # signed in to a resident account
GUEST = "guest"  # not signed in; may still have proved a case or hold a draft
STAFF = "staff"
API_CLIENT = "api_client"
SYSTEM = "system"  # the command line and the background worker
KINDS = (RESIDENT, GUEST, STAFF, API_CLIENT, SYSTEM)


@dataclass(frozen=True)
class Actor:
    """Who is asking, built once per request (or command) by the front door.

    ``cases`` and ``drafts`` are what this browser has proved: the ids of cases it proved by
    reference and contact detail or by a private link, and the service code and token of each draft
    it holds. They are kept on the server (``portal.accounts.visits``), so signing out ends them.
    """

    kind: str
    id: str | None = None
    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    cases: frozenset[int] = frozenset()
    drafts: tuple[tuple[str, str], ...] = ()
    source: str = "web"  # web | api | cli | worker
    address: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of actor: {self.kind}")

    @property
    def name(self) -> str:
        """How the audit trail names the actor."""
        if self.kind == RESIDENT:
            return f"account:{self.id}"
        if self.kind == GUEST:
            return "guest"
        return f"{self.kind}:{self.id}" if self.id else self.kind

    @property
    def account_id(self) -> int | None:
        return int(self.id) if self.kind == RESIDENT and self.id is not None else None

    def draft_token(self, service_code: str) -> str | None:
        return dict(self.drafts).get(service_code)


def system(name: str, source: str = "cli") -> Actor:
    """The command line or the worker, named by who ran it or what it is."""
    return Actor(SYSTEM, name, source=source)


