"""Choosing the page language: ?lang= first, then the remembered choice, then Accept-Language."""

from __future__ import annotations

from urllib.parse import urlencode

from babel import Locale
from flask import Flask, current_app, g, request
from flask_babel import get_locale

from ..locales import RTL_LOCALES

LOCALE_COOKIE_AGE = 365 * 24 * 60 * 60


# Machine front doors: no cookies and no ?lang=; the case API speaks Accept-Language's language,
# Open311 that of its ``locale`` parameter, else Accept-Language's.
MACHINE_PREFIXES = ("/api/", "/open311/")


def _for_the_api() -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def select_locale() -> str:
    shipped = current_app.config["SHIPPED_LOCALES"]
    if _for_the_api():
        if request.path.startswith("/open311/") and request.args.get("locale") in shipped:
            return request.args["locale"]
        return request.accept_languages.best_match(shipped) or current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = g.get("chosen_locale")
    if chosen:
        return chosen
    remembered = request.cookies.get(current_app.config["LOCALE_COOKIE_NAME"])
    if remembered in shipped:
        return remembered
    return request.accept_languages.best_match(shipped) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def lang_switch_url(code: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app: Flask) -> None:
    shipped = app.config["SHIPPED_LOCALES"]
    names = [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in shipped]

    @app.before_request
    def _choose_language():
        wanted = request.args.get("lang")
        if wanted in shipped and not _for_the_api():
            g.chosen_locale = wanted

    @app.after_request
    def _remember_language(response):
        chosen = g.get("chosen_locale")
        if chosen and request.cookies.get(app.config["LOCALE_COOKIE_NAME"]) != chosen:
            response.set_cookie(
                app.config["LOCALE_COOKIE_NAME"], chosen, max_age=LOCALE_COOKIE_AGE,
                secure=app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
            )
        response.vary.add("Accept-Language")
        if not _for_the_api():
            response.vary.add("Cookie")
        return response

    @app.context_processor
    def _language_context():
        locale = current_locale()
        return {
            "current_locale": locale,
            "text_direction": "rtl" if locale in RTL_LOCALES else "ltr",
            "locales": [type("L", (), {"code": c, "native_name": n}) for c, n in names],
            "lang_switch_url": lang_switch_url,
        }
