"""What account deletion takes out of the text it keeps: the person's details however they are
written, and nothing else."""

from portal.accounts.erasure import REMOVED, Person, scrub

PERSON = Person(emails={"ana@example.com"}, phones={"+12025550143"}, names={"Ana Díaz"})


def test_every_usual_way_of_writing_the_details_is_removed():
    patterns = PERSON.patterns()
    for text in ("Ana Díaz", "ANA DÍAZ", "ana@example.com", "Ana@Example.com", "+12025550143", "+1 202 555 0143",
                 "(202) 555-0143", "202.555.0143", "2025550143", "1-202-555-0143"):
        assert scrub(f"Call {text}, please.", patterns) == f"Call {REMOVED}, please.", text


def test_other_peoples_details_are_left_alone():
    patterns = PERSON.patterns()
    for text in ("diana@example.com", "ana@example.com.au", "Anastasia Díaz", "Ana Díazková", "312025550143",
                 "202 555 01438", "Ana"):
        assert scrub(text, patterns) == text, text


def test_json_answers_are_scrubbed_at_every_depth():
    answers = {"members": [{"name": "Ana Díaz", "age": 41}, {"name": "Luis Díaz"}], "note": "ana@example.com",
               "count": 2, "flag": None}
    assert scrub(answers, PERSON.patterns()) == {
        "members": [{"name": REMOVED, "age": 41}, {"name": "Luis Díaz"}], "note": REMOVED, "count": 2, "flag": None}
