"""The preview's pages for repeating groups and file questions: the resident's templates and the
resident's entry forms (``portal.web.resident.groups``), with the answers kept as the preview keeps
them. A file question shows its page but keeps no file: only the names chosen stand in the answers."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ...catalog import Question, ServiceDefinition
from ...forms import runner
from ..i18n import current_locale
from ..resident.files import ACCEPT
from ..resident.groups import item_context, item_forms, list_problem, posted_item, summary_rows
from ..security import personal_data
from .preview import PAGES, answers_of, bp, keep, page, previewed, where_next


def group_summary(version: str, definition: ServiceDefinition, new: bool, question: Question, answers: dict,
                  change: bool, back: str):
    locale = current_locale()
    items = list(answers.get(question.code) or [])
    form = FlaskForm()
    errors = []
    if form.validate_on_submit():
        problem = list_problem(question, items, answers, locale)
        if problem:
            errors = [("add-item", problem)]
        else:
            answers[question.code] = items
            keep(version, definition.code, answers=answers)
            return redirect(where_next(version, definition, answers, question.code, change))

    def href(item_id: str, endpoint: str) -> str:
        return url_for(endpoint, version=version, code=definition.code, qcode=question.code, item_id=item_id,
                       change=1 if change else None)

    return page("report/group.html", version, definition, new, 400 if errors else 200, question=question,
                text=question.text(locale), rows=summary_rows(question, items, locale, href), form=form, back=back,
                errors=errors, can_add=len(items) < question.max_items, add_url=href("new", ".group_item"))


def _group(version: str, code: str, qcode: str):
    definition, new = previewed(version, code)
    question = definition.question(qcode)
    if question is None or question.datatype != "group":
        abort(404)
    answers = answers_of(version, code)
    if not runner.reachable(definition, answers, qcode):
        return definition, new, question, answers, redirect(where_next(version, definition, answers, None, False))
    return definition, new, question, answers, None


@bp.route("/<version>/<code>/q/<qcode>/item/<item_id>", methods=["GET", "POST"])
@personal_data
def group_item(version: str, code: str, qcode: str, item_id: str):
    definition, new, question, answers, early = _group(version, code, qcode)
    if early is not None:
        return early
    locale = current_locale()
    change = request.args.get("change") == "1"
    summary_url = url_for(".question", version=version, code=code, qcode=qcode, change=1 if change else None)
    items = list(answers.get(qcode) or [])
    existing = next((item for item in items if item.get("_id") == item_id), None)
    if item_id != "new" and existing is None:
        return page("report/group_gone.html", version, definition, new, 409, text=question.text(locale),
                    back=summary_url)
    if item_id == "new" and len(items) >= question.max_items:
        return redirect(summary_url)
    form, forms = item_forms(question, locale, existing)
    if request.method == "POST":
        item = posted_item(question, form, forms, existing)
        if item is not None:
            items = [item if i["_id"] == item["_id"] else i for i in items] if existing else [*items, item]
            answers[qcode] = items
            keep(version, code, answers=answers)
            return redirect(summary_url)
    context, status = item_context(question, items, existing, form, forms, summary_url)
    return page("report/group_item.html", version, definition, new, status, **context)


@bp.post("/<version>/<code>/q/<qcode>/item/<item_id>/remove")
def group_remove(version: str, code: str, qcode: str, item_id: str):
    _definition, _new, _question, answers, early = _group(version, code, qcode)
    if early is not None:
        return early
    if not FlaskForm().validate_on_submit():
        abort(400)
    items = list(answers.get(qcode) or [])
    remaining = [item for item in items if item.get("_id") != item_id]
    if len(remaining) != len(items):
        answers[qcode] = remaining
        keep(version, code, answers=answers)
    change = request.args.get("change") == "1"
    return redirect(url_for(".question", version=version, code=code, qcode=qcode, change=1 if change else None))


def file_question(version: str, definition: ServiceDefinition, new: bool, question: Question, answers: dict,
                  change: bool, back: str):
    """The file page as residents see it; files chosen are not kept, only their names stand in."""
    form = FlaskForm()
    errors = []
    if form.validate_on_submit():
        names = [f.filename for f in request.files.getlist("file") if f.filename][:question.max_files]
        chosen = [{"name": name} for name in names]
        if not chosen and question.required:
            chosen = [{"name": _("A file (not kept in the preview)")}]
        answers[question.code] = chosen
        keep(version, definition.code, answers=answers)
        return redirect(where_next(version, definition, answers, question.code, change))
    if request.method == "POST":
        abort(400)
    return page("report/file.html", version, definition, new, 400 if errors else 200, question=question,
                text=question.text(current_locale()), form=form, back=back, errors=errors, files=[],
                can_add=True, multiple=question.max_files > 1, accept=ACCEPT, limits=[_("Files are not kept in preview.")], just_added=None,
                files_note=True)


PAGES.update(group=group_summary, file=file_question)
