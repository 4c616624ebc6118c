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
STAFF_ACTIONS = tuple(sorted({a.name for w in workflow.WORKFLOWS.values() for a in w.actions if a.by_staff}))
ALL_ACTIONS = tuple(sorted(set(RESIDENT_ACTIONS) | set(STAFF_ACTIONS)))

# Staff permissions beyond the workflow's actions.
CASE_NOTE = "case.note"  # add an internal note
CASE_NOTE_PUBLIC = "case.note_public"  # tell the resident something without moving the case (it is sent to them)
DOCUMENT_ADD = "document.add"  # add a document to a case (the agency's own: a photo of the work, a letter)
CASE_TAKE = "case.take"  # take an unassigned case of their departments for themself ("take the next case")
CASE_ASSIGN = "case.assign"  # assign a case to anyone in its department, or unassign it
CASE_BULK = "case.bulk"  # assign or move many cases at once
CASE_TRANSFER = "case.transfer"  # pass a case to another department
CASE_MERGE = "case.merge"  # merge a duplicate into a primary case
CASE_ENTER = "case.create_for_resident"  # start a service for a resident (phone, counter, post, email)
TEAM_REPORT = "report.team"
CATALOG_PREVIEW = "catalog.preview"  # preview any service as residents see it, saving nothing
CATALOG_CHECK = "catalog.check"  # check and preview a changed service definition before it is published
TEMPLATE_MANAGE = "template.manage"  # response templates of their departments
STAFF_MANAGE = "staff.manage"  # any member of staff: create, roles, departments
STAFF_MANAGE_DEPARTMENT = "staff.manage_department"  # members of their own departments
AUDIT_READ = "audit.read"
API_CLIENT_MANAGE = "api_client.manage"  # clients of the case API, their webhooks and delivery logs

_WORKING = {CASE_READ, DOCUMENT_READ, DOCUMENT_ADD, CASE_NOTE, CASE_NOTE_PUBLIC, CASE_TAKE, CASE_TRANSFER,
            CASE_MERGE, CATALOG_PREVIEW, *map(act, STAFF_ACTIONS)}

# Named bundles of permissions for staff and API clients.
ROLES: dict[str, frozenset[str]] = {
    "contact_centre": frozenset({CASE_READ, DOCUMENT_READ, CASE_ENTER, CASE_NOTE, CATALOG_PREVIEW}),
    "caseworker": frozenset(_WORKING),
    "supervisor": frozenset({*_WORKING, CASE_ASSIGN, CASE_BULK, TEAM_REPORT}),
    "department_admin": frozenset({STAFF_MANAGE_DEPARTMENT, TEMPLATE_MANAGE, CATALOG_PREVIEW}),
    "records_officer": frozenset({"records.retention", "records.hold", "records.export"}),
    "auditor": frozenset({AUDIT_READ}),
    "service_designer": frozenset({CATALOG_PREVIEW, CATALOG_CHECK}),
    "system_admin": frozenset({STAFF_MANAGE, "role.manage", API_CLIENT_MANAGE}),
}
# The roles a department administrator may give or take away, within their own departments: the
# operational ones. The agency-wide roles (system administrator, auditor, records officer) are
# given only by a system administrator or on the command line.
DEPARTMENT_ROLES: frozenset[str] = frozenset(
    {"contact_centre", "caseworker", "supervisor", "department_admin", "service_designer"})


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
    # The command line and the worker act for the agency as a whole (the demo data's templates and
    # staff too).
    _grant({SYSTEM}, {CASE_READ, DOCUMENT_READ, TEMPLATE_MANAGE, STAFF_MANAGE, *map(act, ALL_ACTIONS)}, ALL),
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


def departments_for(actor: Actor, permission: str) -> frozenset[str] | None:
    """The departments whose records ``actor`` may use ``permission`` on, for queries over many
    records: None for every department, an empty set for none. Records of one's own (residents)
    are not counted here; a list of one's own cases asks by account."""
    departments: set[str] = set()
    for grant in GRANTS:
        if actor.kind not in grant.kinds or permission not in grant.permissions:
            continue
        if grant.by_role and not any(permission in ROLES.get(role, ()) for role in actor.roles):
            continue
        if grant.scope == ALL:
            return None
        if grant.scope == DEPARTMENT:
            departments |= actor.departments
    return frozenset(departments)


def is_owner_read(actor: Actor, record: Record) -> bool:
    """A read of the record's personal data by the person it belongs to (not audited)."""
    return actor.kind in (RESIDENT, GUEST) and is_own(actor, record, CASE_READ)
