"""What the question pages share: their blueprint, the draft the visitor holds, starting one, and
the address of each page. Which page comes next is the runner's business (``portal.forms.runner``).
The pages are in ``report`` (questions, contact, check, confirmation), ``groups`` (repeating groups)
and ``files`` (file questions).

The same question pages serve more than one front door. The resident's are under /report, and the
draft is the one this browser holds. The staff workspace serves the very same pages (same forms,
same validation, same branching) under its own address, with the draft its member of staff holds
for a resident (``portal.web.staff.entry``). A page is declared once with ``page`` and served by
every blueprint given a ``Holder`` with ``serve``; the functions below answer for the blueprint of
the request (the resident's for any other, e.g. "save and come back later").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from ... import db
from ...cases import drafts
from ...catalog import Question, ServiceDefinition
from ...forms import runner
from ..i18n import current_locale
from ..visitor import actor, draft_token, hold_draft

bp = Blueprint("report", __name__, url_prefix="/report")


@dataclass(frozen=True)
class Holder:
    """Who holds a blueprint's drafts: how to find the draft of a service, its token, how to start
    one, and the account whose details a question may offer (None: offer nothing)."""

    held: Callable[[str], object]
    token: Callable[[str], str | None]
    start: Callable[[ServiceDefinition], object]
    account: Callable[[], object]


def _resident_held(code: str):
    return drafts.held(db.session(), actor(), code)


def _resident_start(definition: ServiceDefinition):
    who = actor()
    draft, new_token = drafts.start(db.session(), definition, current_locale(), account_id=who.account_id)
    hold_draft(definition.code, new_token)
    return draft


def _resident_account():
    return current_user.account if current_user.is_authenticated else None


HOLDERS: dict[str, Holder] = {bp.name: Holder(_resident_held, draft_token, _resident_start, _resident_account)}
PAGES: list[tuple[str, Callable, tuple[str, ...]]] = []


def page(rule: str, methods: tuple[str, ...] = ("GET",)):
    """Declare a question page on the resident's blueprint, and for every blueprint that serves them."""
    def register(view: Callable) -> Callable:
        PAGES.append((rule, view, methods))
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
        return view
    return register


def serve(other: Blueprint, holder: Holder) -> None:
    """Serve every question page on ``other`` too, its drafts held by ``holder``."""
    HOLDERS[other.name] = holder
    for rule, view, methods in PAGES:
        other.add_url_rule(rule, view_func=view, methods=list(methods))


def _name() -> str:
    blueprint = request.blueprint if request else None
    return blueprint if blueprint in HOLDERS else bp.name


def holder() -> Holder:
    return HOLDERS[_name()]


def service(code: str) -> ServiceDefinition:
    definition = current_app.extensions["catalog"].service(code)
    if definition is None:
        abort(404)
    return definition


def held_draft(code: str):
    """The visitor's draft for the service (or None), and the definition version it is answered under."""
    current = service(code)
    draft = holder().held(code)
    if draft is None:
        return None, current
    return draft, drafts.definition_of_draft(db.session(), draft)


def answered_draft(code: str):
    """The draft with every question on its route answered and not sent yet, or where the visitor
    must go instead (the start page, the confirmation, the first page still to answer)."""
    draft, definition = held_draft(code)
    if draft is None:
        return None, definition, redirect(url_for(".start", code=code))
    if drafts.submitted_case(db.session(), draft) is not None:
        return draft, definition, redirect(url_for(".confirmation", code=code))
    if not runner.ready_to_send(definition, draft.answers):
        return draft, definition, redirect(where_next(definition, draft.answers, None, change=False))
    return draft, definition, None


def sent(code: str):
    """The held draft, its definition and the case it became (None: not sent yet, or no draft)."""
    draft, definition = held_draft(code)
    return draft, definition, drafts.submitted_case(db.session(), draft) if draft else None


def token(code: str) -> str:
    return holder().token(code)


def start_draft(definition: ServiceDefinition):
    return holder().start(definition)


def page_url(definition: ServiceDefinition, question: Question, change: bool = False) -> str:
    return url_for(f"{_name()}.question", code=definition.code, qcode=question.code, change=1 if change else None)


def _url(definition: ServiceDefinition, step, change: bool = False) -> str:
    if step == runner.CONTACT:
        return url_for(f"{_name()}.contact", code=definition.code)
    if step == runner.CHECK:
        return url_for(f"{_name()}.check", code=definition.code)
    if step == runner.START:
        return url_for(f"{_name()}.start", code=definition.code)
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
