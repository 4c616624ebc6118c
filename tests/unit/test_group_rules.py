"""A repeating group's rules hold in the domain, so a case cannot be sent that the group's pages
would have refused, whichever front door sends it."""

from __future__ import annotations

import pytest

from portal.actors import Actor
from portal.cases import drafts
from portal.cases.submit import NotReady, submit

CODE = "rental-assistance"
ACTOR = Actor("guest", source="api", address="192.0.2.10")
FILE = [{"id": "d" * 32, "name": "proof.pdf", "size": 10, "type": "application/pdf"}]


def member(name: str) -> dict:
    return {"_id": name.lower()[:16], "member_name": name, "relationship": "child",
            "date_of_birth": "2012-05-04", "monthly_income": "0.00", "income_source": "none"}


def application(size: int, members: list[dict]) -> dict:
    return {
        "lives_in_riverton": "yes", "rents_home": "yes", "household_size": str(size),
        "household_income": "40000.00", "may_be_eligible": "seen", "applicant_name": "Rosa Pérez", "applicant_phone": "+12025550143",
        "applicant_email": "", "applicant_address": {"street": "9 Elm Street", "city": "Riverton", "zip": "20500"},
        "household_members": members, "monthly_rent": "1200.00", "amount_behind": "600.00",
        "hardship": "lost_income", "landlord_name": "Acme Rentals", "landlord_phone": "+12025550100",
        "landlord_email": "", "eviction_notice": "no", "proof_of_income": FILE, "proof_of_identity": FILE,
        "lease": FILE, "declaration": "confirmed",
    }


@pytest.fixture
def definition(app):
    return app.extensions["catalog"].service(CODE)


def household(n: int) -> list[dict]:
    return [member(name) for name in ("Rosa", "Ana", "Luis", "Eva")[:n]]


def test_a_household_list_that_disagrees_with_the_household_size_is_unanswered(definition):
    group = definition.question("household_members")
    assert definition.unanswered(application(3, household(3))) == []
    assert definition.unanswered(application(3, household(2))) == [group]
    assert definition.unanswered(application(3, household(4))) == [group]
    assert group.group_problem(household(2), application(3, [])) == "count"


def test_too_few_too_many_and_incomplete_items_are_unanswered(definition):
    group = definition.question("household_members")
    answers = application(1, [])
    assert group.group_problem([], answers) == "too_few"
    assert group.group_problem([member(f"P{i}") for i in range(group.max_items + 1)],
                               {**answers, "household_size": str(group.max_items + 1)}) == "too_many"
    assert group.group_problem([{**member("Rosa"), "member_name": ""}], answers) == "item"
    assert group.group_problem(["Rosa"], answers) == "item"
    assert group.group_problem("Rosa", answers) == "too_few"
    assert group.group_problem([member("Rosa")], answers) is None


def test_submit_refuses_a_household_of_three_with_two_members(app, db_session, definition):
    draft, token = drafts.start(db_session, definition, "en")
    draft.answers = application(3, household(2))
    draft.contact = {"name": "Rosa Pérez", "phone": "+12025550143", "preferred_channel": "text"}
    db_session.flush()
    with pytest.raises(NotReady) as refused:
        submit(db_session, draft, token, app.config["SECRET_KEY"], ACTOR)
    assert refused.value.first_page == "household_members"
    # With the third member the same draft goes through: the refusal was the household rule.
    drafts.save_answer(db_session, draft, "household_members", household(3))
    assert submit(db_session, draft, token, app.config["SECRET_KEY"], ACTOR).created
