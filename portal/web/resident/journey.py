"""What the resident's question pages share: their blueprint, the draft this browser holds,
starting one, and the address of each page. Which page comes next is the runner's business
(``portal.forms.runner``). The pages are in ``report`` (questions, contact, check, confirmation),
``groups`` (repeating groups) and ``files`` (file questions)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, url_for

from ... import db
from ...cases import drafts
from ...catalog import Question, ServiceDefinition
from ...forms import runner
from ..i18n import current_locale
from ..visitor import actor, draft_token, hold_draft

bp = Blueprint("report", __name__, url_prefix="/report")


def service(code: str) -> ServiceDefinition:
    definition = current_app.extensions["catalog"].service(code)
    if definition is None:
        abort(404)
    return definition


def held_draft(code: str):
    """This browser's draft for the service (or None), and the definition version it is answered under."""
    current = service(code)
    draft = drafts.held(db.session(), actor(), code)
    if draft is None:
        return None, current
    return draft, drafts.definition_of_draft(db.session(), draft)


def token(code: str) -> str:
    return draft_token(code)


def start_draft(definition: ServiceDefinition):
    who = actor()
    draft, new_token = drafts.start(db.session(), definition, current_locale(), account_id=who.account_id)
    hold_draft(definition.code, new_token)
    return draft


def page_url(definition: ServiceDefinition, question: Question, change: bool = False) -> str:
    return url_for("report.question", code=definition.code, qcode=question.code, change=1 if change else None)


def _url(definition: ServiceDefinition, step, change: bool = False) -> str:
    if step == runner.CONTACT:
        return url_for("report.contact", code=definition.code)
    if step == runner.CHECK:
        return url_for("report.check", code=definition.code)
    if step == runner.START:
        return url_for("report.start", code=definition.code)
    return page_url(definition, step, change)


def where_next(definition: ServiceDefinition, answers: dict, after: str | None, change: bool) -> str:
    """The page after ``after``: the next question, an exit page, the contact page or check answers."""
    step, as_change = runner.next_step(definition, answers, after, change)
    return _url(definition, step, as_change)


def carry_on(definition: ServiceDefinition, answers: dict) -> str:
    """Where a resident coming back left off (``runner.carry_on_step``)."""
    return _url(definition, runner.carry_on_step(definition, answers))


def back_url(definition: ServiceDefinition, answers: dict, current: str | None) -> str:
    return _url(definition, runner.previous_step(definition, answers, current))


def reachable(definition: ServiceDefinition, answers: dict, qcode: str) -> bool:
    return runner.reachable(definition, answers, qcode)
