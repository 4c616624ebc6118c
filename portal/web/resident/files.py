"""File questions: add, list and remove documents and photos; serve a document to its owner.

The page works without JavaScript: an ordinary file input (several files at once), an Upload
button, a Remove button per file and Continue. Choosing files and pressing Continue uploads them
too. A refused file never costs the resident what they already added: files taken in the same
request stay (see ``db.keep_changes``) and the page says which file was refused and why.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ... import db, documents, downloads
from ...cases import drafts
from ...cases.documents import readable
from ...catalog import Question, ServiceDefinition
from ...config import ConfigError
from ...forms.uploads import STATUS, refusal_message, types_in_words  # noqa: F401  (shared with the other doors)
from ..i18n import current_locale
from ..security import personal_data
from ..visitor import actor
from .journey import HOLDERS, page_url, start_draft

log = logging.getLogger("portal.uploads")
bp = Blueprint("documents", __name__)
MB = documents.MB
ADDED = "documents_added"  # names added by the last upload, shown once after the redirect

NO_FILE_STATUS = REQUIRED_STATUS = 400
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
ACCEPT_HEIF = ACCEPT + ",.heic,.heif,image/heic,image/heif"
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}


def upload_config() -> documents.Config:
    return current_app.extensions["documents"]


def _size(size: int) -> str:
    if size < MB:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return _("%(size)s MB", size=format_decimal(round(size / MB, 1)))


def _limits(question: Question) -> list[str]:
    config = upload_config()
    return [
        ngettext("You can add %(num)d file.", "You can add up to %(num)d files.", question.max_files),
        _("Each file must be %(types)s, and smaller than %(size)s MB.",
          types=types_in_words(), size=config.max_file_bytes // MB),
        _("All the files you add to this application must come to less than %(size)s MB together.",
          size=config.max_case_bytes // MB),
    ]


def _sync_answer(draft, question: Question) -> None:
    """Once the question was answered, its answer follows every file added or removed."""
    if question.code in draft.answers:
        files = documents.for_owner(db.session(), draft, question.code)
        drafts.save_answer(db.session(), draft, question.code, documents.answer_for(files))


def file_question(*, definition: ServiceDefinition, question: Question, draft, change: bool,
                  back: str, where_next):
    """The page of a ``file`` question (GET, and POST with action upload, remove or continue)."""
    errors: list[tuple[str, str]] = []
    status = 200
    here = page_url(definition, question, change)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "remove":
            _remove(draft, question, request.form.get("document", ""))
            return redirect(here)
        if action not in ("upload", "continue"):
            abort(400)
        chosen = [f for f in request.files.getlist("file") if f.filename]
        added: list[str] = []
        if chosen:
            if draft is None:
                draft = start_draft(definition)
            for upload in chosen:
                try:
                    document = documents.add(db.session(), draft, question.code, upload.filename, upload.stream,
                                             config=upload_config())
                    added.append(document.original_name)
                except documents.DocumentRefused as refused:
                    errors.append(("file", refusal_message(refused, documents.shown_name(upload.filename) or _("Your file"))))
                    if len(errors) == 1:  # the page answers with the first refusal's status
                        status = STATUS[refused.reason]
                finally:
                    upload.close()
            _sync_answer(draft, question)
        elif action == "upload":
            errors.append(("file", _("Choose a file to upload")))
            status = NO_FILE_STATUS
        if not errors and action == "continue":
            files = documents.for_owner(db.session(), draft, question.code) if draft else []
            if question.required and not files:
                errors.append(("file", question.text(current_locale()).get("error") or _("Upload at least one file")))
                status = REQUIRED_STATUS
            else:
                if draft is None:
                    draft = start_draft(definition)
                drafts.save_answer(db.session(), draft, question.code, documents.answer_for(files))
                return redirect(where_next(draft.answers))
        if not errors:
            session[ADDED] = added
            return redirect(here)
        if added:
            db.keep_changes()
    locale = current_locale()
    files = documents.for_owner(db.session(), draft, question.code) if draft else []
    just_added = session.pop(ADDED, None) if request.method == "GET" else None
    remaining = question.max_files - len(files)
    return render_template(
        "report/file.html", service=definition, question=question, text=question.text(locale), back=back,
        errors=errors, form=FlaskForm(), limits=_limits(question), just_added=just_added or [],
        files=[{"name": d.original_name, "details": f"{TYPE_NAMES.get(d.content_type, '')}, {_size(d.size)}",
                "href": url_for("documents.download", public_id=d.public_id), "id": d.public_id} for d in files],
        can_add=remaining > 0, multiple=remaining > 1,
        accept=ACCEPT_HEIF if documents.HEIF_SUPPORTED else ACCEPT,
    ), status


def _remove(draft, question: Question, public_id: str) -> None:
    if draft is None:
        return
    document = documents.find(db.session(), public_id)
    # Already gone (removed in another tab) or not this page's: nothing to do.
    if document is None or document.draft_id != draft.id or document.question_code != question.code:
        return
    documents.remove(db.session(), document, config=upload_config())
    _sync_answer(draft, question)


# --- Serving a document ---------------------------------------------------------------------

@bp.get("/documents/<public_id>")
@personal_data
def download(public_id: str):
    return send_document(readable(db.session(), actor(), public_id))


def send_document(document):
    """The stored file as a download that nothing caches and that can run nothing if opened; 404
    for None (a document the actor may not read, or that does not exist)."""
    if document is None:
        abort(404)
    try:
        stream = documents.open_file(document, config=upload_config())
    except FileNotFoundError:
        log.error("document %s has no stored file", document.public_id)
        abort(404)
    return downloads.send(stream, document.content_type, document.original_name)


# --- Start-up ---------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    config = documents.Config.from_settings(app.config)
    upload_dir = Path(config.upload_dir).resolve()
    if app.static_folder and upload_dir.is_relative_to(Path(app.static_folder).resolve()):
        raise ConfigError(f"UPLOAD_DIR ({upload_dir}) must be outside the web root ({app.static_folder}).")
    app.extensions["documents"] = config
    documents.configure(config)
    if config.scanner is None:
        log.warning("Uploads are not scanned for viruses: set CLAMAV_SOCKET or CLAMAV_HOST to scan them with ClamAV.")
    else:
        log.info("Uploads are scanned for viruses by clamd at %s.", config.scanner.describe())
    app.url_value_preprocessor(_upload_body_limit)


def _upload_body_limit(endpoint: str | None, values: dict | None) -> None:
    """A file question's page takes bodies up to what one application may upload, plus the form.

    Runs before the CSRF check reads the body; every other request keeps MAX_CONTENT_LENGTH.
    """
    question_pages = {f"{name}.question" for name in HOLDERS}  # the resident's, and staff entering for one
    if endpoint not in question_pages or request.method != "POST" or request.mimetype != "multipart/form-data":
        return
    values = values or {}
    definition = current_app.extensions["catalog"].service(values.get("code", ""))
    question = definition.question(values.get("qcode", "")) if definition else None
    if question is not None and question.datatype == "file":
        request.max_content_length = (current_app.config["UPLOAD_MAX_CASE_MB"] + 1) * MB
