"""Cases entered for residents by staff (a call, the counter, a letter, an email): choose a service,
say how the resident came and their language, answer the resident's own question pages, say who
the case is for (``entry_resident``), check the answers and send.

The question pages are the resident's (``portal.web.resident.journey.serve``): the same forms,
validation, branching, repeating groups and files, served here under /staff/enter with the draft
held by the member's staff session instead of a resident's browser. Only the pages around them
(start, who it is for, check answers, confirmation) are the workspace's own; the pages saying who
the case is for are in ``entry_resident``.
"""

from __future__ import annotations

from babel import Locale
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ... import db
from ...cases import entry, policy
from ...cases.contact import format_phone
from ...cases.submit import NotReady
from ...forms.display import answer_rows, preference_rows
from ...forms.entry import CHANNEL_CHOICES, StartEntryForm
from ..i18n import current_locale
from ..resident import groups, report  # noqa: F401  (they declare the question pages served here)
from ..resident.journey import (
    Holder,
    answered_draft,
    back_url,
    page_url,
    sent,
    serve,
    service,
    where_next,
)
from ..security import personal_data
from ..visitor import actor
from . import nav
from . import session as staff_session

bp = Blueprint("staff_entry", __name__, url_prefix="/staff/enter")
HELD = "staff_entry"  # {"session": staff session id, "drafts": {service code: token}}
KINDS = ("complaint", "permit", "benefit")
QUESTION_PAGES = {"question", "group_item", "group_remove"}


# --- the drafts a member of staff holds ------------------------------------------------------------


def _held_tokens() -> dict[str, str]:
    """The tokens of the drafts this staff session holds; a new sign-in holds none."""
    held = session.get(HELD) or {}
    current = staff_session.current()
    if current is None or held.get("session") != current.session.id:
        return {}
    return dict(held.get("drafts") or {})


def _token(code: str) -> str | None:
    return _held_tokens().get(code)


def _hold(code: str, token: str) -> None:
    tokens = _held_tokens()
    tokens[code] = token
    session[HELD] = {"session": staff_session.current().session.id, "drafts": tokens}


def _held(code: str):
    return entry.held(db.session(), actor(), _token(code), code)


def _no_draft(definition):
    abort(404)  # never reached: a question page without a draft is sent to the start page first


serve(bp, Holder(held=_held, token=_token, start=_no_draft, account=lambda: None))
nav.add("staff_entry.services", _l("Enter a case for a resident"), policy.CASE_ENTER, 20)


@bp.before_request
def _may_enter():
    policy.require(actor(), policy.CASE_ENTER)  # refused: 404, like any refusal
    code = (request.view_args or {}).get("code")
    if request.endpoint.split(".")[-1] in QUESTION_PAGES and code is not None:
        service(code)
        if _held(code) is None:
            return redirect(url_for(".start", code=code))
    return None


@bp.context_processor
def _entering():
    """The question pages in the staff layout, saying how the resident came and in which language."""
    code = (request.view_args or {}).get("code")
    draft = _held(code) if code else None
    entering = None
    if draft is not None:
        entering = {"channel": dict(CHANNEL_CHOICES).get(draft.contact.get("channel")),
                    "language": Locale.parse(draft.locale).get_display_name(current_locale())}
    return {"journey_layout": "staff/entry/layout.html", "journey_saves": False, "entering": entering,
            "title_as": (lambda title: _("Entering a case: %(title)s", title=title)) if entering else None}


# --- choosing the service, the channel and the language --------------------------------------------


@bp.get("/")
def services():
    catalog = current_app.extensions["catalog"]
    sections = [(kind, catalog.by_topic(kind=kind)) for kind in KINDS]
    return render_template("staff/entry/services.html", sections=[s for s in sections if s[1]])


@bp.route("/<code>", methods=["GET", "POST"])
def start(code: str):
    definition = service(code)
    form = StartEntryForm()
    if request.method == "GET":
        form.locale.data = current_locale()
    if form.validate_on_submit():
        _draft, token = entry.start(db.session(), actor(), definition, form.channel.data, form.locale.data)
        _hold(code, token)
        return redirect(page_url(definition, definition.questions[0]))
    return render_template("staff/entry/start.html", service=definition, form=form, errors=form.summary(),
                           back=url_for(".services")), 400 if form.errors else 200


# --- check answers, confirmation (who the case is for, the runner's contact step: entry_resident) ---


@bp.route("/<code>/check", methods=["GET", "POST"])
@personal_data
def check(code: str):
    draft, definition, elsewhere = answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    if not entry.decided(draft):
        return redirect(url_for(".contact", code=code))
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            entry.submit(db.session(), actor(), draft, _token(code), current_app.config["SECRET_KEY"],
                         timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
        except NotReady as not_ready:  # answers changed under us in another tab
            return redirect(where_next(definition, draft.answers, None, change=False)
                            if not_ready.first_page else url_for(".check", code=code))
        return redirect(url_for(".confirmation", code=code))
    account = entry.account_of(db.session(), draft)
    return render_template(
        "staff/entry/check.html", service=definition, form=form, account=account, draft=draft,
        rows=answer_rows(definition, draft.answers, current_locale(),
                         href=lambda q: page_url(definition, q, change=True)),
        contact_rows=None if account else preference_rows(draft.contact, url_for(".details", code=code, change=1)),
        change_resident=url_for(".contact", code=code),
        back=url_for(".contact", code=code) if account else back_url(definition, draft.answers, None),
    )


@bp.get("/<code>/confirmation")
@personal_data
def confirmation(code: str):
    draft, definition, case = sent(code)
    if case is None:
        return redirect(url_for(".start", code=code))
    receipt = entry.receipt(db.session(), case)
    return render_template("staff/entry/confirmation.html", service=definition, case=case, receipt=receipt,
                           receipt_text=_sent_where(receipt) if receipt else None,
                           account=entry.account_of(db.session(), draft))


def _sent_where(note) -> str:
    """What was sent where, in words: "A text message to (202) 555-0143, in Spanish"."""
    recipient = note.recipient or {}
    language = Locale.parse(note.locale).get_display_name(current_locale())
    postal = recipient.get("postal") or {}
    to = {"email": recipient.get("email"), "sms": format_phone(recipient.get("phone")),
          "call": format_phone(recipient.get("phone")),
          "letter": ", ".join(p for p in (postal.get("line1"), postal.get("city")) if p)}.get(note.channel, "")
    if note.channel == "sms":
        return _("A text message to %(to)s, in %(language)s.", to=to, language=language)
    if note.channel == "letter":
        return _("A letter to %(to)s, in %(language)s.", to=to, language=language)
    if note.channel == "call":
        return _("A phone call to %(to)s, in %(language)s.", to=to, language=language)
    return _("An email to %(to)s, in %(language)s.", to=to, language=language)
