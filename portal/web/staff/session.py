"""Who is signed in on the staff pages: a server-side staff session (``portal.accounts.staff_sessions``)
named by its own key in the cookie, loaded only on the staff pages.

On a staff page the request's actor (``portal.web.visitor.actor``) is the member of staff; on every
other page it is the resident or guest, whoever else is signed in at the same browser. So a member
of staff never acts as staff on the resident pages by accident, nor a resident on the staff pages.
"""

from __future__ import annotations

from flask import Flask, g, request, session

from ... import db
from ...accounts import staff_sessions
from ..visitor import actor
from . import nav

TOKEN = "staff"
# Flask-WTF's and the language choice keep working across sign-in; nothing else of the browser's
# earlier session is carried into a staff session.
KEEP = ("csrf_token",)
# Keys of the browser's session that belong to the staff session (a preview's answers): dropped
# when it ends, by signing out or by idling out. Parts of the workspace add theirs at import.
STAFF_ONLY: list[str] = []


def _drop_staff_only() -> None:
    for key in STAFF_ONLY:
        session.pop(key, None)


def is_staff_page() -> bool:
    return (request.blueprint or "").split(".")[0].startswith("staff")


def current() -> staff_sessions.Current | None:
    """The signed-in staff session of this request (on a staff page), or None."""
    return g.get("staff_current")


def current_email() -> str | None:
    """The signed-in member's email (what the password throttles count by on staff pages)."""
    current_session = current()
    return current_session.member.email if current_session else None


def sign_in(member) -> None:
    """A new staff session (a new token every time) for ``member``, who proved who they are."""
    kept = {key: session[key] for key in KEEP if key in session}
    session.clear()
    session.update(kept)
    token = staff_sessions.start(db.session(), member, request.remote_addr, request.headers.get("User-Agent"))
    session[TOKEN] = token
    g.staff_current, _ = staff_sessions.load(db.session(), token, touch=False)
    g.pop("actor", None)


def sign_out() -> None:
    """End the staff session (a resident signed in at the same browser stays signed in)."""
    token = session.pop(TOKEN, None)
    _drop_staff_only()
    if token:
        staff_sessions.end(db.session(), token)
    g.pop("staff_current", None)
    g.pop("actor", None)


def init_app(app: Flask) -> None:
    @app.before_request
    def _load_staff_session():
        if not is_staff_page():
            return
        current_session, why = staff_sessions.load(db.session(), session.get(TOKEN))
        if current_session is None and session.pop(TOKEN, None):
            g.staff_session_ended = why
            _drop_staff_only()
        g.staff_current = current_session

    @app.context_processor
    def _staff_signed_in():
        current_session = current()
        if current_session is None:
            return {"staff_member": None}
        return {"staff_member": current_session.member, "staff_idle_expires": current_session.idle_expires_at,
                "staff_nav": nav.for_actor(actor())}
