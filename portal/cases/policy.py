"""Who may do what, declared as data, and the one check every front door goes through.

Each front door (resident web, staff web, case API, command line, worker) turns its request into
an ``Actor`` once and passes it down. Domain functions ask ``require(actor, permission, …)``
before they read or change anything; a refusal is one error, ``Refused``, which each front door
turns into its own answer (a 404 page, a redirect to sign in, a problem document).

What decides:

- ``GRANTS``: which permissions each kind of actor holds and on which records — "own" means the
  record is the actor's own (the resident who made the case or draft: its signed-in account, or a
  browser that proved it), "department" means within the departments the actor works in, "all"
  means any record;
- ``ROLES``: named bundles of permissions for staff and API clients;
- the workflow (``portal.cases.workflow``): which action a case's status allows, and which actions
  a resident takes themself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..actors import API_CLIENT, GUEST, RESIDENT, STAFF, SYSTEM, Actor
from . import workflow

# --- the data ---------------------------------------------------------------------------------------

OWN, DEPARTMENT, ALL = "own", "department", "all"

# Permissions. "case.act:<action>" is one per workflow action (request_information, withdraw, …).
CASE_READ = "case.read"
CASE_RATE = "case.rate"
DOCUMENT_READ = "document.read"
DRAFT_USE = "draft.use"  # answer, check and send the draft this browser holds
DRAFT_MANAGE = "draft.manage"  # continue or delete a draft saved with the account, from any browser
ACCOUNT_USE = "account.use"  # the signed-in resident's own account pages


def act(action: str) -> str:
    return f"case.act:{action}"


RESIDENT_ACTIONS = tuple(sorted({a.name for w in workflow.WORKFLOWS.values() for a in w.actions if a.by_resident}))
STAFF_ACTIONS = tuple(sorted({a.name for w in workflow.WORKFLOWS.values() for a in w.actions if not a.by_resident}))
ALL_ACTIONS = tuple(sorted(set(RESIDENT_ACTIONS) | set(STAFF_ACTIONS)))

# Named bundles of permissions for staff and API clients.
ROLES: dict[str, frozenset[str]] = {
    "contact_centre": frozenset({CASE_READ, DOCUMENT_READ, "case.create_for_resident", "case.note"}),
    "caseworker": frozenset({CASE_READ, DOCUMENT_READ, "case.note", *map(act, ALL_ACTIONS)}),
    "supervisor": frozenset({CASE_READ, DOCUMENT_READ, "case.note", "case.assign", "case.bulk", "report.team",
                             *map(act, ALL_ACTIONS)}),
    "department_admin": frozenset({"staff.manage_department", "template.manage"}),
    "records_officer": frozenset({"records.retention", "records.hold", "records.export"}),
    "auditor": frozenset({"audit.read"}),
    "service_designer": frozenset({"catalog.preview"}),
    "system_admin": frozenset({"staff.manage", "role.manage", "api_client.manage"}),
}


@dataclass(frozen=True)
class Grant:
    kinds: frozenset[str]
    permissions: frozenset[str]
    scope: str  # own | department | all
    by_role: bool = False  # the permission must also be in one of the actor's roles


def _grant(kinds, permissions, scope, by_role=False) -> Grant:
    return Grant(frozenset(kinds), frozenset(permissions), scope, by_role)


GRANTS: tuple[Grant, ...] = (
    # A resident, signed in or not, on what is their own.
    _grant({RESIDENT, GUEST}, {CASE_READ, CASE_RATE, DOCUMENT_READ, DRAFT_USE, *map(act, RESIDENT_ACTIONS)}, OWN),
    _grant({RESIDENT}, {DRAFT_MANAGE, ACCOUNT_USE}, OWN),
    # Staff and API clients: what their roles bundle, within their departments.
    _grant({STAFF, API_CLIENT}, {p for bundle in ROLES.values() for p in bundle}, DEPARTMENT, by_role=True),
    # The command line and the worker act for the agency as a whole.
    _grant({SYSTEM}, {CASE_READ, DOCUMENT_READ, *map(act, ALL_ACTIONS)}, ALL),
)


def known_permissions() -> frozenset[str]:
    return frozenset(p for grant in GRANTS for p in grant.permissions)


# --- the check --------------------------------------------------------------------------------------


class Refused(PermissionError):
    """The actor may not do this. ``reason`` is "not_allowed" (who), or "status" (not now)."""

    def __init__(self, permission: str, reason: str = "not_allowed"):
        super().__init__(f"{permission}: {reason}")
        self.permission, self.reason = permission, reason


@dataclass
class Record:
    """What the policy needs to know of the record asked about."""

    owner_account: int | None = None
    proved: bool = False  # this browser proved it (a case) or holds it (a draft)
    department: str | None = None
    kind: str | None = None  # a case's kind of service
    status: str | None = None  # a case's status
    extra: dict[str, Any] = field(default_factory=dict)


def case_record(actor: Actor, case) -> Record:
    return Record(owner_account=case.account_id, proved=case.id in actor.cases,
                  department=getattr(case, "department", None), kind=case.kind, status=case.status)


def draft_record(actor: Actor, draft, token_hash) -> Record:
    held = any(token_hash(token) == draft.token_hash for _, token in actor.drafts)
    # A draft saved with an account opens only while that account is signed in, even in the
    # browser that holds it.
    if draft.account_id is not None and draft.account_id != actor.account_id:
        held = False
    return Record(owner_account=draft.account_id, proved=held)


def is_own(actor: Actor, record: Record, permission: str) -> bool:
    if permission == DRAFT_USE:
        return record.proved
    if record.proved:
        return True
    return actor.account_id is not None and record.owner_account == actor.account_id


def allowed(actor: Actor, permission: str, record: Record | None = None) -> bool:
    try:
        require(actor, permission, record)
    except Refused:
        return False
    return True


def require(actor: Actor, permission: str, record: Record | None = None) -> None:
    """Raise ``Refused`` unless ``actor`` may use ``permission`` on ``record`` now."""
    if not any(_holds(grant, actor, permission, record) for grant in GRANTS):
        raise Refused(permission)
    if permission.startswith("case.act:") and record is not None and record.kind is not None:
        if not workflow.of(record.kind).allows(permission.removeprefix("case.act:"), record.status):
            raise Refused(permission, "status")
    if permission == CASE_RATE and record is not None and record.kind is not None:
        if record.status not in workflow.of(record.kind).rateable:
            raise Refused(permission, "status")


def _holds(grant: Grant, actor: Actor, permission: str, record: Record | None) -> bool:
    if actor.kind not in grant.kinds or permission not in grant.permissions:
        return False
    if grant.by_role and not any(permission in ROLES.get(role, ()) for role in actor.roles):
        return False
    if grant.scope == ALL:
        return True
    if grant.scope == DEPARTMENT:
        return record is None or record.department in actor.departments
    if record is None:  # "own" with no record: the actor's own account
        return actor.kind == RESIDENT
    return is_own(actor, record, permission)


def is_owner_read(actor: Actor, record: Record) -> bool:
    """A read of the record's personal data by the person it belongs to (not audited)."""
    return actor.kind in (RESIDENT, GUEST) and is_own(actor, record, CASE_READ)
