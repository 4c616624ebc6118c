"""Who may use each route. Every endpoint must be listed: the app will not start otherwise.

Record-level checks live in the views (a draft is found only through the browser's own session;
a tracked case only after its reference and contact were proved, or through its private link).
"""

from __future__ import annotations

from flask import Flask

ANYONE = "anyone"
OWNER_OF_DRAFT = "anyone, on the draft held by their own browser session"
PROVED_TRACKER = "a browser that proved the reference and contact detail, in this session"
LINK_HOLDER = "whoever holds the case's private tracking link"
UNSUBSCRIBE_LINK = "whoever holds a message's signed unsubscribe link (switches off that optional message only)"
EMAIL_LINK = "whoever holds a single-use link we emailed"
SIGNED_IN = "a signed-in resident, on their own account only"
PROVIDER_FLOW = ("anyone, when sign-in with a provider is configured (404 otherwise); the provider's "
                 "answer counts only in the browser whose session holds its state, nonce and PKCE verifier")

RULES: dict[str, str] = {
    "static": ANYONE,
    "health.healthz": ANYONE,
    "public.home": ANYONE,
    "public.services": ANYONE,
    "public.help": ANYONE,
    "public.accessibility": ANYONE,
    "public.privacy": ANYONE,
    "report.start": ANYONE,
    "report.question": OWNER_OF_DRAFT,
    "report.contact": OWNER_OF_DRAFT,
    "report.check": OWNER_OF_DRAFT,
    "report.confirmation": OWNER_OF_DRAFT,
    "report.group_item": OWNER_OF_DRAFT,
    "report.group_remove": OWNER_OF_DRAFT,
    "tracking.track": ANYONE,
    "tracking.case": PROVED_TRACKER,
    "tracking.private": LINK_HOLDER,
    "notifications.unsubscribe": UNSUBSCRIBE_LINK,
    "auth.sign_up": ANYONE,
    "auth.check_email": ANYONE,
    "auth.verify": EMAIL_LINK,
    "auth.sign_in": ANYONE,
    "auth.sign_out": ANYONE,
    "auth.sign_out_everywhere": SIGNED_IN,
    "auth.signed_out": ANYONE,
    "auth.timed_out": ANYONE,
    "auth.deleted": ANYONE,
    "auth.forgot": ANYONE,
    "auth.reset": EMAIL_LINK,
    "auth.confirm_email": EMAIL_LINK,
    "oidc.start": PROVIDER_FLOW,
    "oidc.callback": PROVIDER_FLOW,
    "account.dashboard": SIGNED_IN,
    "account.contact_preferences": SIGNED_IN,
    "account.change_email": SIGNED_IN,
    "account.change_password": SIGNED_IN,
    "account.delete": SIGNED_IN,
    "account.export_json": SIGNED_IN,
    "account.export_html": SIGNED_IN,
    "account.extend_session": SIGNED_IN,
}


class UndeclaredAccess(RuntimeError):
    pass


def check_declared(app: Flask) -> None:
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(RULES))
    if missing:
        raise UndeclaredAccess(f"no access rule for: {', '.join(missing)} (see portal/web/access.py)")
