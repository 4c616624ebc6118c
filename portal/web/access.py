"""Who may use each route: every endpoint declares a rule, or the app will not start.

A rule names the policy permission (``portal.cases.policy``) that decides, and which part of the
address names the record it is decided on. The domain function the view calls asks the policy
itself, so a view never decides; the hook here only sends a visitor who must be signed in to the
sign-in page first. ``tests/integration/test_access.py`` tries every route as every kind of actor
and checks each gets exactly what its rule says.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, redirect, request, url_for
from flask_login import current_user

from ..cases import policy
from ..extensions import login_manager


@dataclass(frozen=True)
class Rule:
    who: str  # in words, for people reading this table
    permission: str | None = None  # the policy permission the domain checks; None: anyone
    record: str | None = None  # the address part naming the record ("draft": the draft this browser holds)
    signed_in: bool = False  # a resident must be signed in (others are sent to sign in)
    staff: bool = False  # a member of staff must be signed in (others are sent to the staff sign-in)
    token: bool = False  # an API client's bearer token (portal.api.oauth); anyone without one: 401
    api_key: bool = False  # an API client's Open311 api_key (portal.open311); anyone without one: 403


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


STAFF_MEMBER = Rule("any signed-in member of staff (what the page shows is decided by their roles and "
                    "departments)", staff=True)
PREVIEWER = Rule("a member of staff whose roles include previewing services (a changed definition: only the "
                 "service designer who checked it); 404 for others", policy.CATALOG_PREVIEW, staff=True)


ENTERING = Rule("a member of staff who enters cases for residents (any service); 404 for other staff",
                policy.CASE_ENTER, staff=True)


STAFF_ADMIN = Rule("a system administrator (any member of staff), or a department administrator (members of "
                   "their own departments with operational roles only); 404 for other staff (the domain "
                   "asks policy.STAFF_MANAGE or STAFF_MANAGE_DEPARTMENT)", staff=True)


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
    "developers.reference": ANYONE,
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
    "staff_auth.sign_in": ANYONE,
    "staff_auth.second_factor": Rule("the browser that gave a member of staff's password a moment ago"),
    "staff_auth.sign_out": ANYONE,
    "staff_auth.signed_out": ANYONE,
    "staff_auth.timed_out": ANYONE,
    "staff_auth.extend_session": STAFF_MEMBER,
    "staff_auth.set_up": Rule("the browser that gave the password of a member of staff with no second factor yet, "
                              "a moment ago"),
    "staff_account.recovery_codes": STAFF_MEMBER,
    "staff_auth.provider_start": ANYONE,
    "staff_auth.provider_callback": Rule("the browser whose session holds the agency provider flow's state, nonce and "
                                    "PKCE verifier"),
    "staff_verify.verify": STAFF_MEMBER,
    "staff_admin.members": STAFF_ADMIN,
    "staff_admin.new_member": STAFF_ADMIN,
    "staff_admin.member": STAFF_ADMIN,
    "staff_admin.disable": STAFF_ADMIN,
    "staff.queue": STAFF_MEMBER,
    "staff_case.case": Rule("a member of staff who may read cases of the case's department; 404 for anyone else "
                            "(audited)", policy.CASE_READ, "reference", staff=True),
    "staff_case.document": Rule("a member of staff who may read documents of the case's department; 404 for "
                                "anyone else", policy.DOCUMENT_READ, "public_id", staff=True),
    "staff_preview.index": PREVIEWER,
    "staff_preview.start": PREVIEWER,
    "staff_preview.restart": PREVIEWER,
    "staff_preview.question": PREVIEWER,
    "staff_preview.group_item": PREVIEWER,
    "staff_preview.group_remove": PREVIEWER,
    "staff_preview.contact": PREVIEWER,
    "staff_preview.check": PREVIEWER,
    "staff_preview.sent": PREVIEWER,
    "staff_preview.check_definition": Rule("a service designer; 404 for other members of staff",
                                           policy.CATALOG_CHECK, staff=True),
    **{f"staff_entry.{page}": ENTERING for page in (
        "services", "start", "question", "group_item", "group_remove", "contact", "details", "check",
        "confirmation")},
    "staff_actions.act": Rule("a member of staff who may take the action on the case now (its department, "
                              "their roles, its status); 404 for anyone else",
                              record="reference", staff=True),
    "staff_actions.note": Rule("a member of staff who may add notes to the case; 404 for anyone else",
                               record="reference", staff=True),
    "staff_actions.assign": Rule("a member of staff who may take the unassigned case or assign it; 404 for "
                                 "anyone else", record="reference", staff=True),
    "staff_actions.letter_stylesheet": Rule("any signed-in member of staff (the letters' stylesheet, where a "
                                            "previewed letter finds it)", record="reference", staff=True),
    "staff_templates.index": STAFF_MEMBER,
    "staff_templates.edit": Rule("a department administrator, for their departments' templates; 404 for anyone "
                                 "else", staff=True),
    "staff_templates.delete": Rule("a department administrator, for their departments' templates; 404 for "
                                   "anyone else", staff=True),
    "staff_transfer.transfer": Rule("staff who may pass the case on from its current department; 404 for "
                                    "anyone else", policy.CASE_TRANSFER, "reference", staff=True),
    "staff_transfer.transferred": STAFF_MEMBER,
    "staff_transfer.merge": Rule("staff who may merge cases, within their departments (the primary case "
                                 "too); 404 for anyone else", policy.CASE_MERGE, "reference", staff=True),
    "staff_transfer.merged": STAFF_MEMBER,
    "staff.take_next": Rule("a member of staff who may take cases, for a case of their departments (the "
                            "domain picks it)", policy.CASE_TAKE, staff=True),
    "staff.save_view": STAFF_MEMBER,
    "staff.delete_view": Rule("a member of staff, for their own saved views only (404 for another's)", staff=True),
    "staff_bulk.confirm": Rule("a supervisor, for cases of their departments; 404 when any is not",
                               policy.CASE_BULK, staff=True),
    "staff_bulk.apply": Rule("a supervisor, for cases of their departments; 404 when any is not",
                             policy.CASE_BULK, staff=True),
}


# The case API: a bearer token of a registered client (portal.api.oauth), with the scope named;
# the client's roles and departments decide in the one policy, and a case outside them is a 404.
API_CLIENT_TOKEN = "an API client's bearer token with the scope {scope}"
RULES.update({
    "api.token": Rule("a registered API client, by its id and secret (OAuth 2 client credentials)"),
    "api.revoke": Rule("the API client the token was issued to, by its id and secret"),
    "api.document": ANYONE,
    "api.services": Rule(API_CLIENT_TOKEN.format(scope="services:read"), token=True),
    "api.service": Rule(API_CLIENT_TOKEN.format(scope="services:read"), token=True),
    "api.cases": Rule(API_CLIENT_TOKEN.format(scope="cases:read") + ", for cases of its departments",
                      policy.CASE_READ, token=True),
    "api.case": Rule(API_CLIENT_TOKEN.format(scope="cases:read") + " whose roles may read cases of the case's "
                     "department; 404 for anyone else (audited)", policy.CASE_READ, "reference", token=True),
    "api.act": Rule(API_CLIENT_TOKEN.format(scope="cases:act") + " whose roles may take the action on the case "
                    "now; 404 when it may not read the case", record="reference", token=True),
    "api.create_case": Rule(API_CLIENT_TOKEN.format(scope="cases:create") + " whose roles may enter cases for "
                            "residents in the service's department; 403 otherwise", policy.CASE_ENTER, token=True),
})

# Open311 GeoReport v2 (portal.open311): reading is public and shows only what
# portal.cases.service_requests publishes; posting needs an api_key of a registered API client,
# whose roles and departments decide in the one policy.
OPEN311_POSTER = Rule("an API client's api_key (<client_id>:<secret>) with the scope cases:create, whose roles "
                      "may enter cases for residents in the service's department; 403 otherwise (Open311's own status)",
                      policy.CASE_ENTER, api_key=True)
RULES.update({
    "open311.discovery": ANYONE, "open311.services": ANYONE, "open311.service_definition": ANYONE,
    "open311.post_request": OPEN311_POSTER, "open311.token": ANYONE, "open311.requests_list": ANYONE,
    "open311.request_one": ANYONE, "open311.request_updates": ANYONE,
    "open311.post_update": Rule("an API client's api_key (<client_id>:<secret>) with the scope cases:create, whose "
                                "roles may add notes to cases of the request's department; 403 otherwise",
                                policy.CASE_NOTE, api_key=True),
})

# Working cases through the API: the same domain functions (and policy permissions) as the staff
# workspace's notes, assignment, transfer and documents; the change feed of the client's departments.
RULES.update({
    "api.add_note": Rule(API_CLIENT_TOKEN.format(scope="cases:write") + " whose roles may add the note (public: "
                         "case.note_public; internal: case.note); 404 when it may not read the case",
                         record="reference", token=True),
    "api.assignees": Rule(API_CLIENT_TOKEN.format(scope="cases:read") + "; 404 when it may not read the case",
                          policy.CASE_READ, "reference", token=True),
    "api.assign": Rule(API_CLIENT_TOKEN.format(scope="cases:write") + " whose roles may assign cases of the "
                       "case's department", policy.CASE_ASSIGN, "reference", token=True),
    "api.transfer": Rule(API_CLIENT_TOKEN.format(scope="cases:write") + " whose roles may transfer cases of the "
                         "case's department", policy.CASE_TRANSFER, "reference", token=True),
    "api.case_documents_list": Rule(API_CLIENT_TOKEN.format(scope="documents:read") + " whose roles may read the "
                                    "case's documents", policy.DOCUMENT_READ, "reference", token=True),
    "api.document_file": Rule(API_CLIENT_TOKEN.format(scope="documents:read") + " whose roles may read the "
                              "case's documents (each download audited)", policy.DOCUMENT_READ, "reference",
                              token=True),
    "api.add_document": Rule(API_CLIENT_TOKEN.format(scope="documents:write") + " whose roles may add documents "
                             "to the case", policy.DOCUMENT_ADD, "reference", token=True),
    "api.events": Rule(API_CLIENT_TOKEN.format(scope="cases:read") + ", for events of cases of its departments",
                       policy.CASE_READ, token=True),
})


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
        if rule is not None and rule.staff and g.get("staff_current") is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            page = "staff_auth.timed_out" if g.get("staff_session_ended") == "timeout" else "staff_auth.sign_in"
            return redirect(url_for(page, next=back))
        return None

    check_declared(app)


# Webhook subscriptions through the API (a client's own only; another's is a 404), and their
# delivery logs for system administrators.
WEBHOOK_OWNER = Rule(API_CLIENT_TOKEN.format(scope="webhooks:manage") + ", for its own subscriptions; 404 for "
                     "another client's", token=True)
WEBHOOK_LOG = Rule("a system administrator; 404 for other staff", policy.API_CLIENT_MANAGE, staff=True)
RULES.update({
    **{f"api.{name}": WEBHOOK_OWNER for name in ("webhook_list", "webhook_create", "webhook", "webhook_change",
                                                 "webhook_delete")},
    "staff_webhooks.index": WEBHOOK_LOG,
    "staff_webhooks.deliveries": WEBHOOK_LOG,
})

