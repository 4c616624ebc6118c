from portal.catalog.definition import Condition

TABLES = {"limit": {"1": 100, "2": 150, "4": 200}}


def holds(spec, answers):
    return Condition.parse(spec).holds(answers, TABLES)


def test_equality_operators():
    assert holds({"question": "a", "equals": "yes"}, {"a": "yes"})
    assert not holds({"question": "a", "equals": "yes"}, {"a": "no"})
    assert holds({"question": "a", "any_of": ["x", "y"]}, {"a": ["z", "y"]})
    assert holds({"question": "a", "not_equals": "yes"}, {"a": "no"})
    assert not holds({"question": "a", "not_equals": "yes"}, {})  # unanswered is not "not yes"
    assert holds({"question": "a", "answered": True}, {"a": "x"})
    assert holds({"question": "a", "answered": False}, {"a": ""})


def test_numbers_and_tables():
    assert holds({"question": "n", "at_least": 3}, {"n": "3"})
    assert not holds({"question": "n", "at_most": 3}, {"n": "3.01"})
    assert not holds({"question": "n", "at_most": 3}, {"n": "lots"})
    by_size = {"question": "income", "at_most": {"table": "limit", "by": "size"}}
    assert holds(by_size, {"income": "150", "size": "2"})
    assert not holds(by_size, {"income": "151", "size": "2"})
    assert holds(by_size, {"income": "150", "size": "3"})  # between rows: the row below applies
    assert holds(by_size, {"income": "200", "size": "9"})  # past the end: the last row
    assert not holds(by_size, {"income": "100"})  # no household size yet
