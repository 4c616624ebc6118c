"""Who a case entered by staff is for, the step after the last question: the resident's account found
by their email address, contact details they gave with earlier cases (same email or phone), or new
ones. Whichever it is, the member reads the resident the question on the page and records their
answer; the domain keeps nothing without a yes (``portal.cases.entry``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import db
from ...cases import entry
from ...forms import runner
from ...forms.entry import FindResidentForm, ResidentContactForm, UseAccountForm
from ..resident.journey import answered_draft, back_url
from ..security import personal_data
from ..visitor import actor
from .entry import bp

NOT_FOUND = {
    "account": lambda: _("No account has this email address. Search again, or enter the resident’s contact details"),
    "lookup": lambda: _("Enter an email address, like name@example.com, or a phone number, like 202 555 0143"),
}


def _page(definition, draft, find, *, found=None, use=None, errors=(), status=200):
    return render_template("staff/entry/resident.html", service=definition, find=find, found=found,
                           use=use, errors=list(errors), back=back_url(definition, draft.answers, None),
                           details=url_for(".details", code=definition.code)), status


@bp.route("/<code>/resident", methods=["GET", "POST"])
@personal_data
def contact(code: str):
    draft, definition, elsewhere = answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    action = request.form.get("action")
    if request.method == "GET":
        return _page(definition, draft, FindResidentForm(formdata=None))
    if action not in ("find", "account", "earlier"):
        abort(400)
    form = UseAccountForm() if action == "account" else FindResidentForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        if action == "find" or form.lookup.errors:
            return _page(definition, draft, form, errors=form.summary(), status=400)
    found = entry.find_resident(db.session(), actor(), form.lookup.data)
    if found is None:
        return _page(definition, draft, form, errors=[("lookup", NOT_FOUND["lookup"]())], status=400)
    if action == "earlier":
        chosen = entry.earlier_match(found, request.form.get("index", type=int, default=-1))
        if chosen is None:
            abort(400)
        details = ResidentContactForm(formdata=None)
        details.fill({"locale": draft.locale, "want_updates": True, "want_reminders": True, **chosen.as_contact()})
        return _details_page(definition, draft, details)
    if action == "account" and not form.errors:
        try:
            entry.for_account(db.session(), actor(), draft, form.lookup.data, form.agreed())
        except entry.EntryError:
            return _page(definition, draft, form, found=found, errors=[("lookup", NOT_FOUND["account"]())],
                         status=400)
        return redirect(url_for(".check", code=code))
    use = form if action == "account" else UseAccountForm(formdata=None, lookup=form.lookup.data)
    return _page(definition, draft, form, found=found, use=use, errors=form.summary(),
                 status=400 if form.errors else 200)


def _details_page(definition, draft, form, status=200):
    change = request.args.get("change") == "1"
    return render_template("staff/entry/details.html", service=definition, form=form, errors=form.summary(),
                           back=url_for(".check" if change else ".contact", code=definition.code)), status


@bp.route("/<code>/resident/details", methods=["GET", "POST"])
@personal_data
def details(code: str):
    draft, definition, elsewhere = answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    form = ResidentContactForm()
    if request.method == "GET":
        given = draft.contact if "preferred_channel" in draft.contact else {}
        form.fill({"locale": draft.locale, "want_updates": True, "want_reminders": True,
                   **runner.given_earlier(definition, draft.answers), **given})
        form.consent.data = "yes" if given.get("consent") else None
    if form.validate_on_submit():
        try:
            entry.for_contact(db.session(), actor(), draft, form.contact(), form.agreed())
        except entry.EntryError:
            abort(400)  # the form asks for every detail the domain needs
        return redirect(url_for(".check", code=code))
    return _details_page(definition, draft, form, 400 if form.errors else 200)
