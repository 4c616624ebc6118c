"""Turning a queued message into what its channel sends, in the message's language.

Templates live in ``templates/``:

- email: ``emails/<template>.subject.txt``, ``emails/<template>.txt`` and ``emails/<template>.html``
- text message: ``emails/<template>.sms.txt`` (at most ``SMS_MAX`` characters)
- letter: ``letters/<template>.html`` (extends ``letters/layout.html``; styled by ``letters/letter.css``)
- phone call: ``calls/<template>.txt`` (the script, in the resident's language) under
  ``calls/header.txt`` (for the contact centre, in the agency's language)

Every template gets the context the message was queued with (for a case: reference, service_code,
status, previous_status, note, respond_by, resolve_by, tracking_path, large_print, and where they
apply department (a transfer), primary_reference (a merge) and joined_from (news of a case sent to
the resident of a duplicate merged into it: their own reference); for an account
message: link, expires_minutes, new_email; for a saved form: link, service_code, expires_on,
signed_in) and these keys: site_name, agency_name, recipient,
recipient_name, postal, service_name, department_name, next_steps, track_url (the private link when the context has
tracking_path, else the tracking page), private_link, help_phone, help_email, base_url, today,
large_print, unsubscribe_url (optional messages only), current_locale, text_direction, and subject
(in bodies). Nothing is looked up through a request: the worker has none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2 import Environment, TemplateNotFound

from ..locales import RTL_LOCALES
from ..models.base import utcnow
from . import unsubscribe

log = logging.getLogger("portal.notify")

SMS_MAX = 306
DATE_KEYS = ("respond_by", "resolve_by", "expires_on")
CASE_TEMPLATES = ("case_received", "case_updated", "case_decided", "info_requested", "case_transferred",
                  "case_merged")
ACCOUNT_TEMPLATES = ("verify_email", "reset_password", "email_changed", "password_changed",
                     "account_deleted", "register_existing")
# About a saved, unsent form: context link, service_code, expires_on (and signed_in).
DRAFT_TEMPLATES = ("draft_resume", "draft_expiring")
TEMPLATES = CASE_TEMPLATES + ACCOUNT_TEMPLATES + DRAFT_TEMPLATES
LETTER_STYLESHEET = "letter.css"


class Message(Protocol):
    id: int
    key: str
    channel: str
    template: str
    locale: str
    recipient: dict[str, Any]
    context: dict[str, Any]
    optional: bool


class CannotRender(Exception):
    """The message has no template for its channel: retrying cannot help."""


@dataclass(frozen=True)
class Rendered:
    channel: str
    locale: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stylesheet: str | None = None  # letters: the stylesheet the letter links to
    large_print: bool = False


def _text_env(app: Flask) -> Environment:
    """The app's Jinja environment without HTML escaping, for subjects, plain text and SMS."""
    env = app.extensions.get("notify_text_env")
    if env is None:
        env = app.jinja_env.overlay(autoescape=False)
        app.extensions["notify_text_env"] = env
    return env


def _render_text(app: Flask, name: str, context: dict[str, Any]) -> str:
    return _text_env(app).get_template(name).render(context)


def _render_html(app: Flask, name: str, context: dict[str, Any]) -> str:
    # Not flask.render_template: the web's context processors expect a request.
    return app.jinja_env.get_template(name).render(context)


def tidy_text(text: str) -> str:
    """Plain text without indentation, trailing spaces or runs of blank lines."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def one_line(text: str) -> str:
    return " ".join(text.split())


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _context(app: Flask, message: Message, locale: str) -> dict[str, Any]:
    config = app.config
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    recipient = dict(message.recipient or {})
    ctx: dict[str, Any] = dict(message.context or {})
    for key in DATE_KEYS:
        if key in ctx:
            ctx[key] = _date(ctx[key])
    catalog = app.extensions["catalog"]
    definition = catalog.service(ctx.get("service_code") or "") if ctx.get("service_code") else None
    tracking_path = ctx.get("tracking_path")
    private = isinstance(tracking_path, str) and tracking_path.startswith("/track/t/")
    today = utcnow().astimezone(ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"])).date()
    ctx.update(
        template=message.template,
        channel=message.channel,
        current_locale=locale,
        text_direction="rtl" if locale in RTL_LOCALES else "ltr",
        site_name=_("Civic Portal"),
        agency_name=catalog.agency.name(locale),
        recipient=recipient,
        recipient_name=one_line(str(recipient.get("name") or "")),
        postal=dict(recipient.get("postal") or {}),
        service_name=definition.name(locale) if definition else ctx.get("service_code", ""),
        department_name=_department_name(catalog, ctx.get("department"), locale),
        next_steps=(definition.text(locale).get("next_steps") if definition else None) or "",
        track_url=base + (tracking_path if private else "/track"),
        private_link=private,
        help_phone=config["HELP_PHONE"],
        help_email=config["HELP_EMAIL"],
        base_url=base,
        large_print=bool(ctx.get("large_print")),
        today=today,
        unsubscribe_url=(unsubscribe.link(base, config["SECRET_KEY"], message.id)
                         if message.optional and message.id is not None else None),
    )
    return ctx


def _department_name(catalog, code: str | None, locale: str) -> str:
    department = next((d for d in catalog.departments if d.code == code), None) if code else None
    return department.name(locale) if department else (code or "")


def _locale(app: Flask, message: Message) -> str:
    shipped = app.config["SHIPPED_LOCALES"]
    return message.locale if message.locale in shipped else app.config["BABEL_DEFAULT_LOCALE"]


def render(app: Flask, message: Message) -> Rendered:
    """Render ``message`` for its channel. Raises CannotRender when a template is missing."""
    locale = _locale(app, message)
    try:
        with app.app_context(), force_locale(locale):
            ctx = _context(app, message, locale)
            t = message.template
            subject = one_line(_render_text(app, f"emails/{t}.subject.txt", ctx))
            ctx["subject"] = subject
            if message.channel == "email":
                headers = {"Content-Language": locale}
                if ctx["unsubscribe_url"]:
                    headers["List-Unsubscribe"] = f"<{ctx['unsubscribe_url']}>"
                    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
                text = tidy_text(_render_text(app, f"emails/{t}.txt", ctx))
                return Rendered("email", locale, subject, text,
                                html=_render_html(app, f"emails/{t}.html", ctx), headers=headers)
            if message.channel == "sms":
                text = one_line(_render_text(app, f"emails/{t}.sms.txt", ctx))
                if len(text) > SMS_MAX:
                    log.warning("text message %s (%s, %s) is %d characters, over %d",
                                message.id, t, locale, len(text), SMS_MAX)
                return Rendered("sms", locale, subject, text)
            if message.channel == "letter":
                html = _render_html(app, f"letters/{t}.html", dict(ctx, stylesheet=LETTER_STYLESHEET))
                return Rendered("letter", locale, subject, subject, html=html, stylesheet=letter_stylesheet(app),
                                large_print=ctx["large_print"])
            if message.channel == "call":
                script = tidy_text(_render_text(app, f"calls/{t}.txt", ctx))
                return Rendered("call", locale, subject, _call_header(app, ctx, locale) + "\n" + script)
    except TemplateNotFound as missing:
        raise CannotRender(f"no template {missing.name} for a {message.channel} message") from None
    raise CannotRender(f"no channel {message.channel!r}")


def letter_stylesheet(app: Flask) -> str:
    """The stylesheet every letter links to (``letters/letter.css``)."""
    return app.jinja_loader.get_source(app.jinja_env, f"letters/{LETTER_STYLESHEET}")[0]


def _call_header(app: Flask, ctx: dict[str, Any], locale: str) -> str:
    """The contact centre's part of a call sheet, in the agency's own language."""
    staff_locale = app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(staff_locale):
        header = dict(ctx, current_locale=staff_locale, site_name=_("Civic Portal"),
                      agency_name=app.extensions["catalog"].agency.name(staff_locale),
                      language=Locale.parse(locale).get_display_name(staff_locale))
        return tidy_text(_render_text(app, "calls/header.txt", header))

