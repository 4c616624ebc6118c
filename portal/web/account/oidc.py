"""Signing in through an OpenID provider such as Login.gov (OpenID Connect, through Authlib).

The authorization code flow with PKCE (S256), ``state`` and ``nonce``. Authlib keeps the state, the
nonce and the code verifier — and here the page to return to — in the browser's own session
cookie, so an answer from the provider works once, and only in the browser that asked for it. The
ID token must carry the provider's signature (checked against its published keys), its issuer,
our client id as audience, a time that has not run out, and our nonce.

Every way it can go wrong ends on a translated page: 400 for an answer we refuse (cancelled at the
provider, a state or a token that does not check out), 403 for an email address the provider has
not confirmed, 503 when the provider cannot be reached or answers something unusable. A refusal
writes one audit row, in a transaction of its own, and nothing else.

Without OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET both routes answer 404.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
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
from flask_login import current_user
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from ... import audit, db
from ...accounts import identities
from ...cases.contact import normalise_email
from ...config import oidc_configured
from ...extensions import oauth
from ..i18n import current_locale
from ..urls import public_url
from ..visitor import actor
from .signin import safe_next, sign_in

log = logging.getLogger("portal.oidc")
bp = Blueprint("oidc", __name__, url_prefix="/account/provider")

CLIENT_NAME = "provider"  # Authlib keeps each flow in the session as _state_provider_<state>
EXTENSION = "portal.oidc"
SCOPE = "openid email profile"
TIMEOUT = 10  # seconds for each request to the provider
LEEWAY = 60  # seconds of clock difference allowed on the ID token's times
METADATA_MAX_AGE = 3600  # seconds before the provider's discovery document is fetched again
PENDING_FLOWS = 3  # sign-ins a browser may have started and not finished (tabs), kept in its cookie
STATUS = {"cancelled": 400, "state": 400, "invalid": 400, "unverified": 403, "unavailable": 503}


class Refused(Exception):
    """The provider's answer signs nobody in. ``kind`` chooses the page; ``reason`` is audited."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def init_app(app: Flask) -> None:
    """Make the app's provider client when the provider is configured."""
    oauth.init_app(app)
    if oidc_configured(app.config):
        app.extensions[EXTENSION] = make_client(app, CLIENT_NAME)


def make_client(app: Flask, name: str, prefix: str = ""):
    """A client of the provider configured by the settings ``<prefix>OIDC_*``; Authlib keeps each
    flow in the session as ``_state_<name>_<state>``.

    Authlib's registry keeps one client per name for the whole process, bound to the last app it
    was given; each portal app keeps its own client instead, made by the same classes.
    """
    return oauth.oauth2_client_cls(
        oauth.framework_integration_cls(name),
        name,
        client_id=app.config[prefix + "OIDC_CLIENT_ID"],
        client_secret=app.config[prefix + "OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config[prefix + "OIDC_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": TIMEOUT,
        },
    )


def provider_name() -> str | None:
    """The provider's name for the sign-in and sign-up pages, or None when there is none."""
    return current_app.config["OIDC_NAME"] if EXTENSION in current_app.extensions else None


def _client():
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        abort(404)
    return client


def _callback_url() -> str:
    """Our redirect URI as registered with the provider: never built from the Host header."""
    return public_url("oidc.callback")


@bp.get("/start")
def start():
    client = _client()
    target = safe_next(request.args.get("next"), url_for("account.dashboard"))
    if current_user.is_authenticated:
        return redirect(target)
    try:
        return send_to_provider(client, _callback_url(), target)
    except Refused as refused:
        return _refused(refused, target)


@bp.get("/callback")
def callback():
    claims, target, refused = callback_claims(_client(), url_for("account.dashboard"))
    if refused is not None:
        return _refused(refused, target)
    return _sign_in(claims, target)


def send_to_provider(client, callback_url: str, target: str, prefix: str = ""):
    """The redirect to the provider's sign-in, the flow kept in the session (``target``: the page to
    come back to); or ``Refused`` when the provider cannot be used."""
    with provider_calls("authorization request"):
        load_metadata(client, prefix)
        flow = client.create_authorization_url(redirect_uri=callback_url, ui_locales=current_locale())
    url = flow.pop("url")
    forget_oldest_flows(client)
    client.save_authorize_data(redirect_uri=callback_url, next=target, **flow)
    return redirect(url)


def callback_claims(client, default: str, prefix: str = "") -> tuple[dict | None, str, Refused | None]:
    """At the callback: the verified claims, the page to go to next, and the refusal (claims None)
    when the answer does not check out. A refused flow is forgotten."""
    state = request.args.get("state") or ""
    flow = client.framework.get_state_data(session, state) if state else None
    target = safe_next((flow or {}).get("next"), default)
    try:
        claims = verified_claims(client, flow, prefix)
    except Refused as refused:
        if flow is not None:
            client.framework.clear_state_data(session, state)
        return None, target, refused
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255 \
            or not isinstance(issuer, str) or len(issuer) > 255:
        return None, target, Refused("invalid", "subject or issuer unusable")
    return claims, target, None


def verified_email(claims: dict) -> tuple[str | None, bool]:
    """The email address the claims give (normalised) and whether the provider verified it."""
    email = claims.get("email")
    return (normalise_email(email) if isinstance(email, str) else None,
            claims.get("email_verified") in (True, "true"))


def verified_claims(client, flow: dict | None, prefix: str = "") -> dict:
    """The ID token's claims (with the userinfo's), checked; or ``Refused``."""
    error = request.args.get("error")
    if error:
        error = re.sub(r"[^a-z_]", "", error.lower())[:40]
        if error == "access_denied":
            raise Refused("cancelled", "cancelled at the provider (access_denied)")
        if error in {"temporarily_unavailable", "server_error"}:
            raise Refused("unavailable", f"provider answered {error}")
        raise Refused("invalid", f"provider answered {error}")
    if flow is None:
        raise Refused("state", "state missing, used already, or from another browser")
    with provider_calls("token request"):
        metadata = load_metadata(client, prefix)
        # RFC 9207: a provider that names itself must be the one we asked.
        said = request.args.get("iss")
        if said is not None and said != metadata["issuer"]:
            raise Refused("invalid", "authorization response from another issuer")
        token = client.authorize_access_token(claims_options=claims_options(metadata, prefix),
                                              leeway=LEEWAY)
        if not token.get("userinfo"):
            raise Refused("invalid", "no ID token in the token response")
        claims = dict(token["userinfo"])
        if not claims.get("email") and metadata.get("userinfo_endpoint"):
            # Login.gov, like many providers, gives the email address at the userinfo endpoint only.
            info = client.userinfo(token=token)
            if info.get("sub") != claims["sub"]:
                raise Refused("invalid", "userinfo answered for another subject")
            claims = {**info, **claims}
    return claims


def claims_options(metadata: dict, prefix: str = "") -> dict:
    """What the ID token must say. Authlib's default checks the issuer but not the audience."""
    return {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": current_app.config[prefix + "OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }


def load_metadata(client, prefix: str = "") -> dict:
    """The provider's discovery document: fetched again after an hour, or after a bad one."""
    loaded = client.server_metadata.get("_loaded_at")
    if loaded is not None and time.time() - loaded > METADATA_MAX_AGE:
        client.server_metadata = {}
    try:
        metadata = client.load_server_metadata()
        issuer = metadata.get("issuer")
        if not isinstance(issuer, str) or issuer.rstrip("/") != current_app.config[prefix + "OIDC_ISSUER"]:
            raise Refused("unavailable", "discovery document names another issuer")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(key), str):
                raise Refused("unavailable", f"discovery document has no {key}")
    except BaseException:
        client.server_metadata = {}
        raise
    return metadata


@contextmanager
def provider_calls(step: str):
    """Turn whatever talking to the provider raised into a refusal with the right page."""
    try:
        yield
    except Refused:
        raise
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise Refused("unavailable", f"{step}: provider answered HTTP {status}") from error
    except requests.RequestException as error:
        reason = f"{step}: provider not reached or unreadable ({type(error).__name__})"
        raise Refused("unavailable", reason) from error
    except ExpiredTokenError as error:
        raise Refused("invalid", "ID token expired") from error
    except ClaimError as error:
        raise Refused("invalid", f"ID token claim {error.claim} is wrong or missing") from error
    except JoseError as error:
        raise Refused("invalid", f"ID token not accepted ({error.error})") from error
    except OAuthError as error:
        raise Refused("invalid", f"{step}: provider answered {error.error}") from error
    except (AuthlibBaseError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise Refused("unavailable", f"{step}: unusable answer ({type(error).__name__})") from error


def forget_oldest_flows(client) -> None:
    """Keep the session cookie small: a browser holds a few unfinished sign-ins at most."""
    prefix = f"_state_{client.name}_"
    pending = sorted((key for key in session if key.startswith(prefix)),
                     key=lambda key: session[key].get("exp") or 0)
    for key in pending[:max(0, len(pending) - PENDING_FLOWS + 1)]:
        session.pop(key)


def _sign_in(claims: dict, target: str):
    email, verified = verified_email(claims)
    try:
        account = identities.sign_in(
            db.session(), issuer=claims["iss"], subject=claims["sub"], email=email, email_verified=verified,
            name=_name(claims), locale=current_locale(), actor=actor(),
        )
    except identities.UnverifiedEmail:
        return _refused(Refused("unverified", "email not verified by provider"), target)
    sign_in(account)
    return redirect(target)


def _name(claims: dict) -> str | None:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(key) for key in ("given_name", "family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name.strip()[:200] or None


def _refused(refused: Refused, target: str):
    """The refusal page. Its audit row commits on its own: the request's transaction rolls back."""
    log.warning("sign-in through the provider refused: %s", refused.reason)
    audit.record_refused(db.apart, actor(), "account.sign_in",
                         details={"provider": current_app.config["OIDC_ISSUER"], "reason": refused.reason})
    page = render_template("auth/provider_error.html", kind=refused.kind,
                           provider=current_app.config["OIDC_NAME"], next=target)
    return page, STATUS[refused.kind]
