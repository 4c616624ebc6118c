"""Who is signed in: Flask-Login on top of the server-side sessions in portal.accounts.sessions."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from flask_login import UserMixin, login_user, logout_user

from ... import audit, db
from ...accounts import sessions
from ...extensions import login_manager
from .. import visitor

# Kept across sign-in, so nothing a resident did as a guest is lost: the visit's grants are carried
# to a new visit under a new token (``visitor.carry_over``).
KEEP = (visitor.TOKEN,)


class SignedIn(UserMixin):
    def __init__(self, current: sessions.Current):
        self.current = current
        self.account = current.account

    def get_id(self) -> str:
        return self.current.token


def record_refusal(action: str, *, target_id: str | None = None, details: dict | None = None) -> None:
    """Audit a refused attempt (its record is kept although the request commits nothing)."""
    audit.record_refused(db.apart, visitor.actor(), action, target_type="account" if target_id else None,
                         target_id=target_id, details=details)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or len(target) > 500:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target


def sign_in(account, remember_locale: bool = True) -> None:
    """Start a new server-side session (a new token every time) for ``account``."""
    kept = {key: session[key] for key in KEEP if key in session}
    session.clear()
    session.update(kept)
    token = sessions.start(db.session(), account, request.remote_addr, request.headers.get("User-Agent"))
    current, _ = sessions.load(db.session(), token, touch=False)
    login_user(SignedIn(current))
    g.pop("visit", None)
    visitor.carry_over(account.id)
    if remember_locale and account.locale:
        g.chosen_locale = account.locale


def sign_out() -> None:
    from flask_login import current_user

    if current_user.is_authenticated:
        sessions.end(db.session(), current_user.current.token)
    visitor.carry_over(None)
    logout_user()
    # Nothing of the signed-in visit stays for the next person at this browser.
    session.clear()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are checked on the server instead
    login_manager.login_view = "auth.sign_in"

    @login_manager.user_loader
    def _load(token: str):
        current, why = sessions.load(db.session(), token)
        if current is None:
            g.session_ended = why
            session.pop("_user_id", None)
            return None
        return SignedIn(current)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if g.get("session_ended") == "timeout":
            return redirect(url_for("auth.timed_out", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))

    @app.context_processor
    def _signed_in():
        from flask_login import current_user

        if current_user.is_authenticated:
            return {"signed_in": current_user.account, "session_idle_expires": current_user.current.idle_expires_at}
        return {"signed_in": None, "session_idle_expires": None}
