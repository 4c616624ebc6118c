"""Public pages: home, finding a service, help and contact, accessibility, privacy."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ...catalog.search import MAX_QUERY, search
from ..i18n import current_locale

bp = Blueprint("public", __name__)
KINDS = ("complaint", "permit", "benefit")


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/services")
def services():
    catalog = current_app.extensions["catalog"]
    locale = current_locale()
    query = request.args.get("q", "")
    kind = request.args.get("kind")
    kinds = [k for k in KINDS if k == kind] or list(KINDS)
    too_long = len(query) > MAX_QUERY
    query = query.strip()[:MAX_QUERY]
    results = search(catalog, query, locale) if query else None
    sections = [(k, catalog.by_topic(kind=k)) for k in kinds]
    return render_template("public/services.html", sections=[s for s in sections if s[1]],
                           kind=kind if kind in KINDS else None,
                           query=query, results=results, too_long=too_long), 400 if too_long else 200


@bp.get("/help")
def help():
    return render_template("public/help.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html")
