"""Making residents, requests and their histories through the domain's own functions.

The demo data (``flask --app portal seed-demo``) and the tests' factories both build here, so
both get what a resident and staff would have made: an account is signed up and verified, a case
is a draft answered page by page and submitted, every status change is a transition, and every
file is checked and stored like an upload. Nothing here writes a model row itself.

A history is a list of steps, played in order on a submitted case:

    play(session, case, [Staff("in_review", internal="Crew 3"),
                         Staff("more_info_needed", public="Which side of the street?"),
                         Answer("The north side.", files=("north-side.jpg",)),
                         Staff("resolved", public="Filled on Tuesday.")], ...)

A bare status stands for ``Staff(status)``.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .. import documents
from ..accounts import preferences, registry
from ..actors import GUEST, RESIDENT, STAFF, Actor
from ..cases import drafts, followup, tracking
from ..cases.service_levels import add_working_days
from ..cases.submit import Submitted, submit
from ..cases.transitions import transition
from ..catalog import ServiceDefinition
from ..models import Account, Case, Document, Draft

LinkFor = Callable[[str, str], str]  # (purpose, token) -> full URL, as the web layer builds it


@dataclass(frozen=True)
class Settings:
    """What the domain functions need from the running portal."""

    secret_key: str
    timezone: str
    documents: documents.Config
    link_for: LinkFor

    @classmethod
    def of(cls, app, link_for: LinkFor) -> Settings:
        return cls(secret_key=app.config["SECRET_KEY"], timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
                   documents=app.extensions["documents"], link_for=link_for)

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()


# --- accounts ------------------------------------------------------------------------------------


def account(session: Session, email: str, password: str, settings: Settings, actor: Actor, *,
            locale: str = "en", verified: bool = True,
            contact: Mapping[str, Any] | None = None) -> Account:
    """Sign up ``email``, follow the emailed link when ``verified``, then set contact preferences.

    The verification message is queued like any other; its link is used up at once.
    """
    links: dict[str, str] = {}

    def link_for(purpose: str, token: str) -> str:
        links[purpose] = token
        return settings.link_for(purpose, token)

    registry.register(session, email, password, locale, link_for, actor)
    if "verify" not in links:
        raise ValueError(f"{email} already has an account")
    if verified:
        registry.verify_email(session, links["verify"], actor)
    found = registry.find_by_email(session, email)
    if contact:
        preferences.update(session, preferences.for_account(session, found), dict(contact), actor)
    return found


# --- drafts and cases ------------------------------------------------------------------------------

# What the contact page stores when a guest leaves everything but the named fields as they are.
CONTACT_DEFAULTS: dict[str, Any] = {
    "name": "", "preferred_channel": "email", "email": None, "phone": None, "postal": {}, "locale": "en",
    "large_print": False, "braille": False, "audio": False, "easy_read": False,
    "interpreter_language": None, "tty_relay": False, "want_updates": True, "want_reminders": True,
}


def sample_file(name: str) -> bytes:
    """Small, valid content for an upload called ``name``: a PDF, or a PNG or JPEG picture."""
    extension = name.rsplit(".", 1)[-1].lower()
    if extension in ("png", "jpg", "jpeg"):
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (96, 128, 64)).save(buffer, "PNG" if extension == "png" else "JPEG")
        return buffer.getvalue()
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + name.encode() +
            b"\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def upload(session: Session, owner: Draft | Case, question_code: str, name: str, settings: Settings,
           data: bytes | None = None) -> Document:
    """Add one file as the upload page would (checked, cleaned, stored); raises DocumentRefused."""
    content = sample_file(name) if data is None else data
    return documents.add(session, owner, question_code, name, io.BytesIO(content), config=settings.documents)


def answer(session: Session, draft: Draft, definition: ServiceDefinition, code: str, value: Any,
           settings: Settings) -> None:
    """Save one page's answer. A file question takes a list of file names (each uploaded as
    ``sample_file``); a repeating group, a list of items (each given the id the page gives it)."""
    question = definition.question(code)
    if question is None:
        raise KeyError(f"{definition.code} has no question {code!r}")
    if question.datatype == "file":
        added = [upload(session, draft, code, name, settings) for name in value]
        value = documents.answer_for(added)
    elif question.datatype == "group":
        value = [{"_id": item.get("_id") or secrets.token_hex(8), **item} for item in value]
    drafts.save_answer(session, draft, code, value)


def draft(session: Session, definition: ServiceDefinition, answers: Mapping[str, Any], settings: Settings, *,
          locale: str = "en", account_id: int | None = None,
          contact: Mapping[str, Any] | None = None) -> tuple[Draft, str]:
    """A draft with ``answers`` saved page by page (and a guest's ``contact``), and its token."""
    made, token = drafts.start(session, definition, locale, account_id=account_id)
    for code, value in answers.items():
        answer(session, made, definition, code, value, settings)
    if contact is not None:
        drafts.save_contact(session, made, {**CONTACT_DEFAULTS, "locale": locale, **contact})
    session.flush()
    return made, token


def case(session: Session, definition: ServiceDefinition, answers: Mapping[str, Any], settings: Settings,
         actor: Actor, *, locale: str = "en", account_id: int | None = None,
         contact: Mapping[str, Any] | None = None) -> Submitted:
    """A draft answered and submitted, as the check answers page submits it."""
    made, token = draft(session, definition, answers, settings, locale=locale, account_id=account_id,
                        contact=contact)
    return submit(session, made, token, settings.secret_key, actor, timezone=settings.timezone)


def backdate(case: Case, definition: ServiceDefinition, days: int, settings: Settings) -> None:
    """Make a case just sent look sent ``days`` ago: its time, its first event's, and its due dates
    counted from that day as ``submit`` counts them."""
    shift = timedelta(days=days)
    case.submitted_at -= shift
    for event in case.events:
        event.occurred_at -= shift
    sent_on = settings.today() - shift
    case.respond_by = add_working_days(sent_on, definition.respond_days)
    case.resolve_by = add_working_days(sent_on, definition.resolve_days)


# --- histories -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    """Staff move the case, with a note the resident sees and one only staff see."""

    to: str
    public: str | None = None
    internal: str | None = None


@dataclass(frozen=True)
class Answer:
    """The resident answers the request for information, with files if any."""

    text: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Withdraw:
    reason: str | None = None


@dataclass(frozen=True)
class NotFixed:
    """The resident says a resolved problem is not fixed."""

    text: str


@dataclass(frozen=True)
class Rate:
    rating: int
    comment: str | None = None


Step = Staff | Answer | Withdraw | NotFixed | Rate


def staff_for(department: str, source: str) -> Actor:
    """A caseworker of ``department``, as the policy knows them."""
    return Actor(STAFF, f"demo:{department}", roles=frozenset({"caseworker"}),
                 departments=frozenset({department}), source=source)


def resident_for(case: Case, source: str) -> Actor:
    """The resident who made ``case``: its account, or the guest browser that proved it."""
    if case.account_id is not None:
        return Actor(RESIDENT, str(case.account_id), source=source)
    return Actor(GUEST, cases=frozenset({case.id}), source=source)


def play(session: Session, case: Case, steps: Iterable[Step | str], settings: Settings, *,
         source: str = "cli") -> None:
    """Take each step in turn, through the function staff or the resident's page would call, as a
    caseworker of the case's department or as its resident. A step the case's status (or the
    policy) does not allow raises, as it would for them."""
    staff, resident = staff_for(case.department, source), resident_for(case, source)
    for step in steps:
        if isinstance(step, str):
            step = Staff(step)
        if isinstance(step, Staff):
            transition(session, case, step.to, staff, public_note=step.public, internal_note=step.internal)
        elif isinstance(step, Answer):
            asked = followup.request_for_information(case)
            if asked is None:
                raise followup.NotAllowed(followup.WRONG_STATUS)
            added = [upload(session, case, followup.documents_code(asked), name, settings) for name in step.files]
            followup.answer_request(session, case, step.text, resident, added)
        elif isinstance(step, Withdraw):
            followup.withdraw(session, case, step.reason, resident)
        elif isinstance(step, NotFixed):
            followup.reopen(session, case, tracking.definition_for(session, case), step.text, resident)
        elif isinstance(step, Rate):
            followup.rate(session, case, step.rating, step.comment, resident)
        else:  # pragma: no cover - the type says what a step is
            raise TypeError(f"not a step: {step!r}")
    session.flush()
