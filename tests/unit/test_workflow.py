from datetime import date

import pytest

from portal.cases import workflow
from portal.cases.service_levels import add_working_days

# The moves each kind allowed before the workflow was declared as named actions; it must not drift.
# One move was added on purpose since: a permit or benefit being reviewed can be closed by merging
# it into its primary case (the "merge" action; see test_merge_is_the_only_way_from_review_to_closed).
EXPECTED_MOVES = {
    "complaint": {
        "received": {"in_review", "withdrawn", "closed"},
        "in_review": {"more_info_needed", "withdrawn", "scheduled", "resolved", "closed"},
        "more_info_needed": {"in_review", "withdrawn", "closed"},
        "scheduled": {"resolved", "in_review", "closed"},
        "resolved": {"closed", "in_review"},
        "closed": set(), "withdrawn": set(),
    },
    **{kind: {
        "received": {"in_review", "withdrawn", "closed"},
        "in_review": {"more_info_needed", "withdrawn", "approved", "denied", "closed"},
        "more_info_needed": {"in_review", "withdrawn", "closed"},
        "approved": {"closed"}, "denied": {"closed"},
        "closed": set(), "withdrawn": set(),
    } for kind in ("permit", "benefit")},
}


@pytest.mark.parametrize("kind", sorted(workflow.WORKFLOWS))
def test_moves_are_the_declared_ones(kind):
    assert workflow.of(kind).moves() == EXPECTED_MOVES[kind]


@pytest.mark.parametrize("kind", sorted(workflow.WORKFLOWS))
def test_every_status_can_reach_a_final_one_and_finals_are_ends(kind):
    flow = workflow.of(kind)
    moves = flow.moves()
    for status in moves:
        seen, todo = set(), [status]
        while todo:
            s = todo.pop()
            seen.add(s)
            todo.extend(moves[s] - seen)
        assert seen & flow.final, status
    for final in flow.final:
        assert moves[final] == set()


@pytest.mark.parametrize("kind", sorted(workflow.WORKFLOWS))
def test_decided_and_rateable_statuses_exist_and_finished_means_decided_or_final(kind):
    flow = workflow.of(kind)
    assert flow.decided <= set(flow.statuses()) and flow.rateable <= set(flow.statuses())
    assert {s for s in flow.statuses() if flow.finished(s)} == set(flow.decided | flow.final)


def test_each_action_owes_a_message_and_a_request_for_information_asks_one():
    for flow in workflow.WORKFLOWS.values():
        for action in flow.actions:
            assert action.message in {workflow.INFO_REQUESTED, workflow.DECIDED, workflow.UPDATED, workflow.MERGED}
            assert (action.message == workflow.MERGED) == action.joins
            if action.to in flow.decided:
                assert action.message == workflow.DECIDED
        assert flow.action("request_information").message == workflow.INFO_REQUESTED


@pytest.mark.parametrize("kind", sorted(workflow.WORKFLOWS))
def test_a_duplicate_can_be_merged_from_every_open_status_and_only_by_merging(kind):
    flow = workflow.of(kind)
    merge = flow.action("merge")
    assert merge.joins and merge.to == workflow.CLOSED and not merge.by_resident
    opened = {s for s in flow.statuses() if not flow.finished(s)}
    assert merge.sources == opened
    assert [a.name for a in flow.actions if a.joins] == ["merge"]


def test_merge_is_the_only_way_from_review_to_closed():
    assert [a.name for a in workflow.of("permit").available("in_review") if a.to == "closed"] == ["merge"]


def test_allows_reads_the_sources():
    flow = workflow.of("complaint")
    assert flow.allows("withdraw", "received")
    assert not flow.allows("withdraw", "resolved")
    assert not flow.allows("approve", "in_review")  # not a complaint's action
    assert not workflow.of("permit").allows("reopen", "approved")


def test_working_days_skip_weekends():
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 5) == date(2026, 11, 27)
    assert add_working_days(friday, 0) == friday
