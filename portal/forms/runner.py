"""The question-page runner: which page comes next and which came before, and which pages may be
shown yet — from the service definition and the answers so far, with no web in it."""

from __future__ import annotations

from ..cases.contact import normalise_phone
from ..catalog import Question, ServiceDefinition

# Steps that are not questions.
START, CONTACT, CHECK = "start", "contact", "check"


def next_step(definition: ServiceDefinition, answers: dict, after: str | None,
              change: bool) -> tuple[Question | str, bool]:
    """The step after question ``after`` (or where to carry on, when None), and whether it is shown
    as a change from check answers: the next question on the route, an exit page the answers lead
    to, the first unanswered question, the contact page, or check answers."""
    route = definition.route(answers)
    if route and route[-1].is_exit:
        return route[-1], False
    unanswered = definition.unanswered(answers)
    if change:
        return (unanswered[0], True) if unanswered else (CHECK, False)
    codes = [q.code for q in route]
    position = codes.index(after) + 1 if after in codes else 0
    for question in route[position:]:
        return question, False
    if unanswered:
        return unanswered[0], False
    return CONTACT, False


def carry_on_step(definition: ServiceDefinition, answers: dict) -> Question | str:
    """Where a resident coming back left off: the exit page they reached, the first question not
    answered yet, or the contact page once every question is answered."""
    route = definition.route(answers)
    if route and route[-1].is_exit:
        return route[-1]
    unanswered = definition.unanswered(answers)
    return unanswered[0] if unanswered else CONTACT


def previous_step(definition: ServiceDefinition, answers: dict, current: str | None) -> Question | str:
    """The page before question ``current`` (None: the contact page)."""
    route = [q for q in definition.route(answers) if not q.is_exit or q.code == current]
    codes = [q.code for q in route]
    if current is None:
        return route[-1] if route else START
    position = codes.index(current) if current in codes else 0
    return route[position - 1] if position else START


def reachable(definition: ServiceDefinition, answers: dict, qcode: str) -> bool:
    """A page may be shown only once every page before it on the route is answered."""
    for question in definition.route(answers):
        if question.code == qcode:
            return True
        if question.is_exit or question.code not in answers:
            return False
    return False


def ready_to_send(definition: ServiceDefinition, answers: dict) -> bool:
    return not definition.exit_reached(answers) and not definition.unanswered(answers)


def given_earlier(definition: ServiceDefinition, answers: dict) -> dict:
    """Contact details the journey already asked for, offered on the contact page (WCAG 3.3.7)."""
    found: dict = {}
    for q in definition.route(answers):
        value = answers.get(q.code)
        if not value or not q.prefill:
            continue
        if q.prefill == "account.name":
            found["name"] = value
        elif q.prefill == "account.email":
            found["email"] = value
        elif q.prefill == "account.phone":
            found["phone"] = normalise_phone(value)
    return found
