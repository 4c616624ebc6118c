"""The list of services to preview, and the service designer's check of a changed definition: a
file uploaded, or named in the folder where designers put them (``CATALOG_CHECK_DIR``), checked by
the catalog's loader against the published catalog. A definition that passes is previewed at its
own address while residents keep the published one; one that fails shows the loader's message,
naming the file and the field."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext as _

from ...cases import previews
from ...catalog import CatalogError
from ...extensions import limiter
from ...forms.staff import DefinitionCheckForm
from ..visitor import actor
from .preview import bp, checked_store

REFUSALS = {
    "too_large": lambda: _("The file must be %(size)d KB or smaller", size=previews.MAX_BYTES // 1024),
    "empty": lambda: _("The file is empty. Choose a service definition file"),
    "not_found": lambda: _("There is no service definition file (.yaml) with that name in the folder"),
}


@bp.get("/")
def index():
    catalog = previews.catalog_to_preview(actor(), current_app.extensions["catalog"])
    return render_template("staff/preview/index.html", topics=catalog.by_topic(),
                           may_check=previews.may_check(actor()), published=previews.PUBLISHED)


@bp.route("/check", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes;60 per hour", methods=["POST"])
def check_definition():
    previews.require_check(actor())
    folder = current_app.config["CATALOG_CHECK_DIR"]
    form = DefinitionCheckForm()
    problem = None
    if form.validate_on_submit():
        upload = form.upload()
        path = form.path.data if folder else ""  # no folder set: only an upload is offered
        if upload is None and not path:
            form.definition.errors = [_("Choose a service definition file, or give its name")]
        else:
            try:
                if upload is not None:
                    content, name = upload.stream.read(previews.MAX_BYTES + 1), upload.filename
                else:
                    content, name = previews.read_pointed(actor(), folder, path)
                definition = previews.check(actor(), current_app.extensions["catalog"],
                                            current_app.config["SHIPPED_LOCALES"], content, name)
            except previews.CheckRefused as refused:
                field = form.definition if upload is not None else form.path
                field.errors = [REFUSALS[refused.reason]()]
            except CatalogError as error:
                problem = dict(zip(("file", "field", "message"), error.parts(), strict=True))
                form.definition.errors = [_("The service definition file has a problem: see below")]
            else:
                checked = checked_store().keep(actor(), current_app.extensions["catalog"], definition)
                return redirect(url_for(".start", version=checked.key, code=definition.code))
    errors = form.summary()
    return render_template("staff/preview/check.html", form=form, folder=folder, problem=problem,
                           errors=errors, max_kb=previews.MAX_BYTES // 1024), 400 if errors else 200
