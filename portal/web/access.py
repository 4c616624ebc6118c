"""Who may use each route. Every endpoint must be listed: the app will not start otherwise.

Record-level checks live in the views (a draft is found only through the browser's own session;
a tracked case only after its reference and contact were proved, through its private link, or by
its signed-in owner).
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
RESUME_CODE = "whoever holds a saved draft's single-use resume code (rate limited; one answer for every wrong code)"
CASE_RESIDENT = ("the resident who made the case: its signed-in account, or a browser that proved its "
                 "reference and contact or opened its private link, in this session; 404 for anyone else")
DOCUMENT_OWNER = ("the browser holding the document's draft, or for a case's document: its signed-in "
                  "account, a browser that proved its reference and contact, or the guest browser that "
                  "submitted it (portal/web/uploads.py may_download); 404 for anyone else")
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
    "drafts.save": OWNER_OF_DRAFT,
    "drafts.sent": OWNER_OF_DRAFT,
    "drafts.resume": RESUME_CODE,
    "drafts.resume_link": EMAIL_LINK,
    "drafts.continue_draft": SIGNED_IN,
    "drafts.delete": SIGNED_IN,
    "documents.download": DOCUMENT_OWNER,
    "tracking.track": ANYONE,
    "tracking.case": CASE_RESIDENT,
    "followup.answer": CASE_RESIDENT,
    "followup.withdraw": CASE_RESIDENT,
    "followup.not_fixed": CASE_RESIDENT,
    "followup.rate": CASE_RESIDENT,
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
