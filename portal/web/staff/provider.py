"""Staff sign-in through the agency's OpenID provider (settings STAFF_OIDC_*; a client of its own,
apart from the residents' provider). The same checks as the residents' sign-in
(``portal.web.account.oidc``): code flow with PKCE, state and nonce, the ID token's signature,
issuer, audience and time.

The answer must name an existing member of staff (``accounts.staff_identities``); nobody is made
staff this way. A provider that says it checked more than one factor (``amr`` holds "mfa") counts
as both factors; otherwise the member then gives their own second factor, as after a password.

Without the three STAFF_OIDC settings both routes answer 404.
"""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, redirect, render_template, request, url_for

from ... import audit, db
from ...accounts import staff_identities
from ...config import oidc_configured
from ..account.oidc import (
    STATUS,
    Refused,
    callback_claims,
    make_client,
    send_to_provider,
    verified_email,
)
from ..account.signin import safe_next
from ..urls import public_url
from ..visitor import actor
from . import auth
from . import session as staff_session

log = logging.getLogger("portal.oidc")

PREFIX = "STAFF_"
CLIENT_NAME = "staff_provider"
EXTENSION = "portal.staff_oidc"
STAFF_STATUS = {**STATUS, "not_staff": 403}


def init_app(app: Flask) -> None:
    if oidc_configured(app.config, PREFIX):
        app.extensions[EXTENSION] = make_client(app, CLIENT_NAME, PREFIX)


def provider_name() -> str | None:
    """The agency provider's name for the staff sign-in page, or None when there is none."""
    return current_app.config["STAFF_OIDC_NAME"] if EXTENSION in current_app.extensions else None


@auth.bp.context_processor
def _staff_provider() -> dict:
    return {"staff_provider": provider_name()}


def _client():
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        abort(404)
    return client


@auth.bp.get("/provider/start")
def provider_start():
    client = _client()
    target = safe_next(request.args.get("next"), url_for("staff.queue"))
    if staff_session.current() is not None:
        return redirect(target)
    try:
        return send_to_provider(client, public_url("staff_auth.provider_callback"), target, PREFIX)
    except Refused as refused:
        return _refused(refused, target)


@auth.bp.get("/provider/callback")
def provider_callback():
    claims, target, refused = callback_claims(_client(), url_for("staff.queue"), PREFIX)
    if refused is not None:
        return _refused(refused, target)
    email, verified = verified_email(claims)
    member = staff_identities.member_for(db.session(), actor(), issuer=claims["iss"], subject=claims["sub"],
                                         email=email, email_verified=verified, allow_demo=auth.allow_demo())
    if member is None:
        return _refused(Refused("not_staff", "no member of staff for this sign-in"), target)
    if staff_identities.both_factors(claims):
        auth.finish_sign_in(member, "provider", second_factor="provider")
        return redirect(target)
    return auth.await_second_factor(member, "provider", next=target)


def _refused(refused: Refused, target: str):
    """The refusal page; its audit row commits on its own (the request's transaction rolls back)."""
    log.warning("staff sign-in through the agency provider refused: %s", refused.reason)
    audit.record_refused(db.apart, actor(), "staff.sign_in",
                         details={"method": "provider", "provider": current_app.config["STAFF_OIDC_ISSUER"],
                                  "reason": refused.reason})
    page = render_template("staff/provider_error.html", kind=refused.kind,
                           provider=current_app.config["STAFF_OIDC_NAME"], next=target)
    return page, STAFF_STATUS[refused.kind]
