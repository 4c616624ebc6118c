"""Priority rules: data in the service definition, checked by the loader (file and field named on
any error), matched against the answers, and their reasons given in every shipped language."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from portal.catalog import load_catalog
from portal.config import SHIPPED_LOCALES
from portal.demo.answers import sample

from .test_catalog_text import CATALOG_DIR, change, refused

CATALOG = load_catalog(CATALOG_DIR, SHIPPED_LOCALES)


def answers(service: str, **changes) -> dict:
    return {**sample(service, date(2026, 3, 2)), **changes}


def member(relationship="self", income_source="job") -> dict:
    return {"member_name": "A", "relationship": relationship, "date_of_birth": "1990-01-01",
            "monthly_income": "100", "income_source": income_source}


def test_a_hazard_to_life_needs_every_condition_of_the_rule():
    pothole = CATALOG.service("pothole")
    assert pothole.priority(answers("pothole", size="large", position="crosswalk")) == (3, ["hazard"])
    assert pothole.priority(answers("pothole", size="large", position="parking")) == (0, [])
    assert pothole.priority(answers("pothole", size="small", position="crosswalk")) == (0, [])


def test_the_highest_matching_rule_gives_the_priority_and_every_match_is_a_reason():
    utility = CATALOG.service("utility-bill-assistance")
    given = answers("utility-bill-assistance", shutoff_notice="yes", utility_types=["electric", "water"],
                    medical_need="no", household_members=[member(), member("child")])
    assert utility.priority(given) == (3, ["no_heat_or_water", "children"])
    given.update(shutoff_notice="no", household_members=[member(), member("parent", "disability")])
    assert utility.priority(given) == (2, ["disability"])


def test_a_group_rule_matches_on_one_item_not_across_items():
    rental = CATALOG.service("rental-assistance")
    # One member is a child, another receives disability benefits: neither item is a disabled child,
    # and each rule matches on its own item.
    given = answers("rental-assistance", eviction_notice="no",
                    household_members=[member("child"), member("self", "disability")])
    assert rental.priority(given) == (2, ["children", "disability"])
    assert rental.priority({**given, "household_members": "not a list"}) == (0, [])


def test_reasons_are_given_in_every_shipped_locale():
    for service in CATALOG.services.values():
        for rule in service.priority_rules:
            texts = {loc: service.priority_reason(rule.code, loc) for loc in SHIPPED_LOCALES}
            assert all(texts.values()), (service.code, rule.code)
            assert len(set(texts.values())) == len(SHIPPED_LOCALES), (service.code, rule.code)
    assert CATALOG.service("pothole").priority_reason("no_such_rule", "en") is None


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the demo catalog to break."""
    copy = tmp_path / "services"
    shutil.copytree(CATALOG_DIR, copy)
    return copy


def _rule(**overrides) -> dict:
    return {"code": "urgent", "priority": 2, "when": {"question": "size", "equals": "large"},
            "text": {"en": {"reason": "Big"}, "es": {"reason": "Grande"}, "ar": {"reason": "كبير"}},
            **overrides}


def _with_rule(folder: Path, **overrides) -> None:
    change(folder, "pothole.yaml", lambda d: d.__setitem__("priority_rules", [_rule(**overrides)]))


def test_a_rule_naming_an_unknown_question(folder):
    _with_rule(folder, when={"question": "colour", "equals": "red"})
    refused(folder, "pothole.yaml: priority_rules[0].when.question: 'colour' is not a question of this service")


def test_a_rule_with_an_answer_the_question_does_not_have(folder):
    _with_rule(folder, when=[{"question": "size", "equals": "enormous"}])
    refused(folder, "pothole.yaml: priority_rules[0].when[0]: enormous is not an answer to 'size'")


def test_a_rule_without_arabic_reason(folder):
    _with_rule(folder, text={"en": {"reason": "Big"}, "es": {"reason": "Grande"}})
    refused(folder, "pothole.yaml: priority_rules[0].text: no text in ar")


def test_a_rule_without_a_priority(folder):
    change(folder, "pothole.yaml", lambda d: d.__setitem__("priority_rules", [
        {k: v for k, v in _rule().items() if k != "priority"}]))
    refused(folder, "pothole.yaml: priority_rules[0]: 'priority' is a required property")


def test_a_rule_with_a_priority_out_of_range(folder):
    _with_rule(folder, priority=10)
    refused(folder, "pothole.yaml: priority_rules[0].priority: 10 is greater than the maximum of 9")


def test_a_rule_code_used_twice(folder):
    change(folder, "pothole.yaml", lambda d: d.__setitem__("priority_rules", [_rule(), _rule()]))
    refused(folder, "pothole.yaml: priority_rules[1].code: 'urgent' is used twice")


def test_a_group_rule_on_a_question_that_is_not_a_group(folder):
    _with_rule(folder, for_any="size")
    refused(folder, "pothole.yaml: priority_rules[0].for_any: 'size' is not a group question")


def test_a_group_rule_naming_a_question_outside_the_group(folder):
    change(folder, "rental-assistance.yaml", lambda d: d.__setitem__("priority_rules", [_rule(
        for_any="household_members", when={"question": "eviction_notice", "equals": "yes"})]))
    refused(folder, "rental-assistance.yaml: priority_rules[0].when.question: 'eviction_notice' is not a "
                    "question of 'household_members'")
