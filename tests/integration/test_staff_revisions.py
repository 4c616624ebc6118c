"""Two members of staff act on one case at once: the one whose form still matches the case's
revision wins; the other's change is refused as stale and writes nothing. Callers that pass no
revision keep the old behaviour."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from portal import db
from portal.actors import STAFF, Actor
from portal.cases import assignment, notes, tracking, transitions
from portal.cases.revisions import Stale
from portal.cases.workflow import IllegalTransition
from portal.models import AuditRecord, Case, CaseEvent, Notification

from .. import factories

WORKER = Actor(STAFF, "1", roles=frozenset({"supervisor"}), departments=frozenset({"public-works"}))


def _counts(s):
    return tuple(s.scalar(select(func.count()).select_from(m)) for m in (CaseEvent, Notification, AuditRecord))


SECOND = [
    lambda s, case, seen: transitions.act(s, case, "resolve", WORKER, public_note="Done", expected_revision=seen),
    lambda s, case, seen: notes.add(s, case, WORKER, "late note", expected_revision=seen),
    lambda s, case, seen: assignment.assign(s, case, WORKER, None, expected_revision=seen),
]


@pytest.mark.parametrize("second", SECOND)
def test_a_change_from_a_revision_already_passed_is_stale_and_writes_nothing(app, second):
    made = factories.case(app, "pothole", "in_review")
    with db.session_scope(app) as s:
        case = tracking.get(s, made.case.reference)
        seen = case.revision  # both members' forms were shown with this revision
        transitions.act(s, case, "schedule", WORKER, expected_revision=seen)
    with db.session_scope(app) as late:
        case = tracking.get(late, made.case.reference)
        before = _counts(late)
        with pytest.raises(Stale):
            second(late, case, seen)
        assert _counts(late) == before
        assert (case.status, case.revision, case.assignee_id) == ("scheduled", seen + 1, None)


@pytest.mark.parametrize("second", SECOND)
def test_a_change_racing_another_is_stale_and_writes_nothing(app, second):
    """The other member's change lands between reading the case and writing it: the conditional
    update, not the early check, refuses it."""
    made = factories.case(app, "pothole", "in_review")
    with db.session_scope(app) as s:
        case = tracking.get(s, made.case.reference)
        seen = case.revision
        s.execute(update(Case).where(Case.id == case.id).values(revision=Case.revision + 1)
                  .execution_options(synchronize_session=False))
        before = _counts(s)
        with pytest.raises(Stale):
            second(s, case, seen)
        assert _counts(s) == before
        assert (case.status, case.revision, case.assignee_id) == ("in_review", seen + 1, None)


def test_without_a_revision_act_behaves_as_before(app):
    made = factories.case(app, "pothole", "in_review")
    with db.session_scope(app) as s:
        case = tracking.get(s, made.case.reference)
        # Another request moves the case after it was read: refused by its status, as before.
        s.execute(update(Case).where(Case.id == case.id).values(status="scheduled", revision=Case.revision + 1)
                  .execution_options(synchronize_session=False))
        with pytest.raises(IllegalTransition):
            transitions.act(s, case, "request_information", WORKER, public_note="?")
        # A form that does not name its revision still acts on the case as it is now.
        transitions.act(s, case, "unschedule", WORKER)
        assert case.status == "in_review"
