import pytest

from portal.cases import states
from portal.cases.service_levels import add_working_days
from datetime import date


def test_every_kind_starts_at_received_and_ends_somewhere():
    for kind, table in states.TRANSITIONS.items():
        assert states.RECEIVED in table
        for status, targets in table.items():
            assert targets <= set(states.STATUSES), (kind, status)
        # Every status can reach a final status.
        for status in table:
            seen, todo = set(), [status]
            while todo:
                s = todo.pop()
                seen.add(s)
                todo.extend(table.get(s, set()) - seen)
            assert seen & states.FINAL, (kind, status)


def test_illegal_moves_raise():
    states.check("complaint", "received", "in_review")
    with pytest.raises(states.IllegalTransition):
        states.check("complaint", "received", "approved")
    with pytest.raises(states.IllegalTransition):
        states.check("permit", "closed", "in_review")


def test_working_days_skip_weekends():
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 5) == date(2026, 11, 27)
    assert add_working_days(friday, 0) == friday
