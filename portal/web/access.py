"""Who may use each route: every endpoint declares a rule, or the app will not start.

A rule names the policy permission (``portal.cases.policy``) that decides, and which part of the
address names the record it is decided on. The domain function the view calls asks the policy
itself, so a view never decides; the hook here only sends a visitor who must be signed in to the
sign-in page first. ``tests/integration/test_access.py`` tries every route as every kind of actor
and checks each gets exactly what its rule says.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from flask_login import current_user

from ..cases import policy
from ..extensions import login_manager


@dataclass(frozen=True)
class Rule:
    who: str  # in words, for people reading this table
    permission: str | None = None  # the policy permission the domain checks; None: anyone
    record: str | None = None  # the address part naming the record ("draft": the draft this browser holds)
    signed_in: bool = False  # a resident must be signed in (others are sent to sign in)


ANYONE = Rule("anyone")
LINK_HOLDER = Rule("whoever holds the link (a secret token in the address; one answer for every wrong one)")
HELD_DRAFT = Rule("the browser holding the draft (and, for an account's draft, that account signed in)",
                  policy.DRAFT_USE, "draft")
SIGNED_IN = Rule("a signed-in resident, on their own account only", policy.ACCOUNT_USE, signed_in=True)
SAVED_DRAFT = Rule("the signed-in resident whose account the draft was saved with", policy.DRAFT_MANAGE,
                   "draft_id")
CASE_READER = Rule("whoever may read the case: the resident who made it (its account, or a browser that "
                   "proved it); 404 or the tracking page for anyone else", policy.CASE_READ, "reference")
DOCUMENT_READER = Rule("whoever may read the draft or case the document belongs to; 404 for anyone else",
                       policy.DOCUMENT_READ, "public_id")


def case_action(action: str) -> Rule:
    return Rule(f"whoever may take the action {action!r} on the case now; 404 for anyone else",
                policy.act(action), "reference")


RULES: dict[str, Rule] = {
    "static": ANYONE,
    "health.healthz": ANYONE,
    "public.home": ANYONE,
    "public.services": ANYONE,
    "public.help": ANYONE,
    "public.accessibility": ANYONE,
    "public.privacy": ANYONE,
    "report.start": ANYONE,
    "report.question": HELD_DRAFT,
    "report.contact": HELD_DRAFT,
    "report.check": HELD_DRAFT,
    "report.confirmation": HELD_DRAFT,
    "report.group_item": HELD_DRAFT,
    "report.group_remove": HELD_DRAFT,
    "drafts.save": HELD_DRAFT,
    "drafts.sent": HELD_DRAFT,
    "drafts.resume": ANYONE,
    "drafts.resume_link": LINK_HOLDER,
    "drafts.continue_draft": SAVED_DRAFT,
    "drafts.delete": SAVED_DRAFT,
    "documents.download": DOCUMENT_READER,
    "tracking.track": ANYONE,
    "tracking.case": CASE_READER,
    "tracking.private": LINK_HOLDER,
    "followup.answer": case_action("answer_information"),
    "followup.withdraw": case_action("withdraw"),
    "followup.not_fixed": case_action("reopen"),
    "followup.rate": Rule("the resident who made the case, once it is finished", policy.CASE_RATE, "reference"),
    "notifications.unsubscribe": LINK_HOLDER,
    "auth.sign_up": ANYONE,
    "auth.check_email": ANYONE,
    "auth.verify": LINK_HOLDER,
    "auth.sign_in": ANYONE,
    "auth.sign_out": ANYONE,
    "auth.sign_out_everywhere": SIGNED_IN,
    "auth.signed_out": ANYONE,
    "auth.timed_out": ANYONE,
    "auth.deleted": ANYONE,
    "auth.forgot": ANYONE,
    "auth.reset": LINK_HOLDER,
    "auth.confirm_email": LINK_HOLDER,
    "oidc.start": ANYONE,
    "oidc.callback": Rule("the browser whose session holds the provider flow's state, nonce and PKCE verifier"),
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
    """Every route has a rule, and every rule names a permission the policy knows."""
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(RULES))
    if missing:
        raise UndeclaredAccess(f"no access rule for: {', '.join(missing)} (see portal/web/access.py)")
    unknown = sorted({r.permission for r in RULES.values() if r.permission} - policy.known_permissions())
    if unknown:
        raise UndeclaredAccess(f"access rules name permissions the policy does not know: {', '.join(unknown)}")


def init_app(app: Flask) -> None:
    @app.before_request
    def _sign_in_first():
        rule = RULES.get(request.endpoint or "")
        if rule is not None and rule.signed_in and not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    check_declared(app)
