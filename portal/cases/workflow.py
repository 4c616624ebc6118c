"""The workflow of each kind of service, declared as data in one place.

A case moves only by a named action. Each action says the statuses it may start from, the status
it leads to, the message it owes the resident, and whether the resident takes it themself. Which
statuses are final, decided or rateable is said here too. Who may take an action is the policy's
business (``portal.cases.policy``); what an action does to a case is ``portal.cases.transitions``.
"""

from __future__ import annotations

from dataclasses import dataclass

RECEIVED = "received"
IN_REVIEW = "in_review"
MORE_INFO = "more_info_needed"
SCHEDULED = "scheduled"
RESOLVED = "resolved"
APPROVED = "approved"
DENIED = "denied"
CLOSED = "closed"
WITHDRAWN = "withdrawn"

STATUSES = (RECEIVED, IN_REVIEW, MORE_INFO, SCHEDULED, RESOLVED, APPROVED, DENIED, CLOSED, WITHDRAWN)

# Messages an action owes the resident (templates in templates/emails/, letters/ and calls/).
INFO_REQUESTED = "info_requested"
DECIDED = "case_decided"
UPDATED = "case_updated"
MERGED = "case_merged"


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    to: str
    message: str
    by_resident: bool = False  # the resident takes it themself (answer, withdraw, not fixed)
    staff_too: bool = False  # staff take it as well (reopening a case that is not fixed after all)
    note_required: bool = False  # staff must say something the resident reads (the question, the reason)
    # Joins the case to another (a duplicate merged into its primary): taken only by
    # ``portal.cases.merge``, which names the primary first; never chosen by the status it leads to.
    joins: bool = False

    @property
    def by_staff(self) -> bool:
        return not self.by_resident or self.staff_too


@dataclass(frozen=True)
class Workflow:
    kind: str
    actions: tuple[Action, ...]
    final: frozenset[str]
    decided: frozenset[str]
    rateable: frozenset[str]

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def available(self, status: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if status in a.sources)

    def allows(self, name: str, status: str) -> bool:
        action = self.action(name)
        return action is not None and status in action.sources

    def moves(self) -> dict[str, set[str]]:
        """Every status and the statuses an action can take it to."""
        found: dict[str, set[str]] = {status: set() for status in self.statuses()}
        for action in self.actions:
            for source in action.sources:
                found[source].add(action.to)
        return found

    def statuses(self) -> tuple[str, ...]:
        used = {RECEIVED} | {a.to for a in self.actions} | {s for a in self.actions for s in a.sources}
        return tuple(s for s in STATUSES if s in used)

    def finished(self, status: str) -> bool:
        """Decided or final: the resident has their answer."""
        return status in self.final or status in self.decided


def _action(name, sources, to, message, **flags) -> Action:
    return Action(name, frozenset(sources), to, message, **flags)


# Shared by every kind: looking at the case, asking for information and getting it, withdrawing.
_COMMON = (
    _action("review", {RECEIVED, MORE_INFO}, IN_REVIEW, UPDATED),
    _action("request_information", {IN_REVIEW}, MORE_INFO, INFO_REQUESTED, note_required=True),
    _action("answer_information", {MORE_INFO}, IN_REVIEW, UPDATED, by_resident=True),
    _action("withdraw", {RECEIVED, IN_REVIEW, MORE_INFO}, WITHDRAWN, UPDATED, by_resident=True),
)

WORKFLOWS: dict[str, Workflow] = {
    "complaint": Workflow(
        "complaint",
        actions=_COMMON + (
            _action("schedule", {IN_REVIEW}, SCHEDULED, UPDATED),
            _action("unschedule", {SCHEDULED}, IN_REVIEW, UPDATED),
            _action("resolve", {IN_REVIEW, SCHEDULED}, RESOLVED, DECIDED),
            # The resident says it is not fixed, within the service's window (``followup.reopen``);
            # staff reopen a resolved case too, at any time.
            _action("reopen", {RESOLVED}, IN_REVIEW, UPDATED, by_resident=True, staff_too=True),
            _action("close", {RECEIVED, IN_REVIEW, MORE_INFO, SCHEDULED, RESOLVED}, CLOSED, UPDATED),
            _action("merge", {RECEIVED, IN_REVIEW, MORE_INFO, SCHEDULED}, CLOSED, MERGED, joins=True),
        ),
        final=frozenset({CLOSED, WITHDRAWN}),
        decided=frozenset({RESOLVED}),
        rateable=frozenset({RESOLVED, CLOSED}),
    ),
}
for _kind in ("permit", "benefit"):
    WORKFLOWS[_kind] = Workflow(
        _kind,
        actions=_COMMON + (
            _action("approve", {IN_REVIEW}, APPROVED, DECIDED),
            _action("deny", {IN_REVIEW}, DENIED, DECIDED, note_required=True),
            _action("close", {RECEIVED, MORE_INFO, APPROVED, DENIED}, CLOSED, UPDATED),
            _action("merge", {RECEIVED, IN_REVIEW, MORE_INFO}, CLOSED, MERGED, joins=True),
        ),
        final=frozenset({CLOSED, WITHDRAWN}),
        decided=frozenset({APPROVED, DENIED}),
        rateable=frozenset({APPROVED, DENIED, CLOSED}),
    )


def of(kind: str) -> Workflow:
    return WORKFLOWS[kind]


class IllegalTransition(ValueError):
    """No action of this kind of case leads from its status to the one asked for."""

    def __init__(self, kind: str, from_status: str, to_status: str):
        super().__init__(f"a {kind} case cannot move from {from_status} to {to_status}")
        self.kind, self.from_status, self.to_status = kind, from_status, to_status
