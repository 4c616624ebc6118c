"""Cases sent for a resident by a front door with no question pages: a client of the case API
(``POST /api/v1/cases``) or of Open311 (``POST /open311/v2/requests``).

The front door checks each answer with the question pages' own forms (``portal.forms.answers``)
and hands over the answers as the pages store them; ``create`` checks once more what the domain
decides (every answer belongs to a question of the service, no exit is reached, every question on
the route is answered, the repeating groups keep their rules), then makes the case the one way a
case is made (``portal.cases.submit``): a draft filled in one go, the policy, the channel, the audit
record and the resident's receipt in the outbox, by email or text as their contact details allow.
Everything happens in the caller's transaction, so a refusal (an answer, a file) leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from .. import documents
from ..actors import Actor
from ..catalog import ServiceDefinition
from . import drafts, policy
from .contact import normalise_email, normalise_phone
from .entry import receipt
from .submit import OnBehalf, Submitted, submit

CHANNELS = ("api", "open311")
NAME_LIMIT = 200
# Files sent with a case (Open311's ``media``) are kept with it under this name.
MEDIA = "media"


class IntakeError(ValueError):
    """The case cannot be made as given: ``problems`` holds (where, reason) pairs — a question's
    code and ``unknown``, ``exit`` or ``unanswered``; or ``contact`` and ``email``, ``phone`` or
    ``name``; or ``channel``."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(", ".join(f"{where}: {reason}" for where, reason in problems))
        self.problems = problems


@dataclass(frozen=True)
class Resident:
    """Who the case is for, as the client gave them: any of a name, an email address and a phone
    number. The receipt goes by email when there is an address, else by text to a mobile number."""

    name: str = ""
    email: str = ""
    phone: str = ""

    def contact(self, locale: str) -> dict[str, Any]:
        problems = []
        email = normalise_email(self.email) if self.email else None
        phone = normalise_phone(self.phone) if self.phone else None
        if self.email and email is None:
            problems.append(("contact", "email"))
        if self.phone and phone is None:
            problems.append(("contact", "phone"))
        if len(self.name) > NAME_LIMIT:
            problems.append(("contact", "name"))
        if problems:
            raise IntakeError(problems)
        channel = "email" if email else "text" if phone else "none"
        return {"name": self.name.strip(), "email": email, "phone": phone, "preferred_channel": channel,
                "locale": locale, "want_updates": channel != "none", "want_reminders": channel != "none"}


def _check(definition: ServiceDefinition, answers: dict[str, Any]) -> None:
    known = {q.code for q in definition.questions}
    problems = [(code, "unknown") for code in answers if code not in known]
    exit_page = definition.exit_reached(answers)
    if exit_page is not None:
        problems.append((exit_page.code, "exit"))
    problems += [(q.code, "unanswered") for q in definition.unanswered(answers)]
    if problems:
        raise IntakeError(problems)


def require_allowed(actor: Actor, definition: ServiceDefinition) -> None:
    """``Refused`` unless ``actor`` may enter cases for residents in the service's department: asked
    first, so a client that may not gets its refusal before any word about its answers."""
    policy.require(actor, policy.CASE_ENTER, policy.Record(department=definition.department))


def create(session: Session, actor: Actor, definition: ServiceDefinition, answers: dict[str, Any], *,
           resident: Resident, channel: str, locale: str, secret_key: str, timezone: str = "UTC",
           media: list[tuple[str | None, BinaryIO]] = ()) -> Submitted:
    """Make the case of ``definition`` for ``resident`` with ``answers`` (as the pages store them),
    sent through ``channel`` by ``actor``, who must be allowed to enter cases for residents in the
    service's department. ``media``: files (name, stream) kept with the case, each checked, cleaned
    and scanned as any upload (``documents.DocumentRefused`` when one is refused)."""
    require_allowed(actor, definition)
    if channel not in CHANNELS:
        raise IntakeError([("channel", "unknown")])
    _check(definition, answers)
    contact = resident.contact(locale)
    draft, token = drafts.start(session, definition, locale)
    draft.answers = dict(answers)
    drafts.save_contact(session, draft, {**contact, "channel": channel})
    sent = submit(session, draft, token, secret_key, actor, timezone=timezone,
                  on_behalf=OnBehalf(channel, staff_id=None))
    for name, stream in media:
        documents.add(session, sent.case, MEDIA, name, stream)
    return sent


def receipt_queued(session: Session, case) -> bool:
    """Whether the resident's receipt is in the outbox (not when they gave no way to reach them)."""
    return receipt(session, case) is not None
