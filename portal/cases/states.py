"""Case statuses and the moves allowed between them, per kind of service."""

from __future__ import annotations

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

_COMMON = {
    RECEIVED: {IN_REVIEW, WITHDRAWN, CLOSED},
    IN_REVIEW: {MORE_INFO, WITHDRAWN},
    MORE_INFO: {IN_REVIEW, WITHDRAWN, CLOSED},
    WITHDRAWN: set(),
    CLOSED: set(),
}

TRANSITIONS: dict[str, dict[str, set[str]]] = {
    "complaint": {
        **_COMMON,
        IN_REVIEW: _COMMON[IN_REVIEW] | {SCHEDULED, RESOLVED, CLOSED},
        SCHEDULED: {RESOLVED, IN_REVIEW, CLOSED},
        RESOLVED: {CLOSED, IN_REVIEW},  # back to review when the resident says it is not fixed
    },
    "permit": {
        **_COMMON,
        IN_REVIEW: _COMMON[IN_REVIEW] | {APPROVED, DENIED},
        APPROVED: {CLOSED},
        DENIED: {CLOSED},
    },
    "benefit": {
        **_COMMON,
        IN_REVIEW: _COMMON[IN_REVIEW] | {APPROVED, DENIED},
        APPROVED: {CLOSED},
        DENIED: {CLOSED},
    },
}

FINAL = {CLOSED, WITHDRAWN}


class IllegalTransition(ValueError):
    def __init__(self, kind: str, from_status: str, to_status: str):
        super().__init__(f"a {kind} case cannot move from {from_status} to {to_status}")
        self.kind, self.from_status, self.to_status = kind, from_status, to_status


def allowed(kind: str, from_status: str) -> set[str]:
    return TRANSITIONS[kind].get(from_status, set())


def check(kind: str, from_status: str, to_status: str) -> None:
    if to_status not in allowed(kind, from_status):
        raise IllegalTransition(kind, from_status, to_status)
