"""Security headers on every response; in production, only requests for the portal's own host names."""

from __future__ import annotations

import logging
from functools import wraps

from flask import Flask, abort, current_app, g, request
from werkzeug.sansio.utils import host_is_trusted

log = logging.getLogger("portal.security")

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def personal_data(view):
    """Mark a view whose page shows personal data: browsers and proxies must not store it.

    The view carries ``personal_data = True``, so tests can tell which responses need no-store."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.personal_data = True
        return view(*args, **kwargs)

    wrapper.personal_data = True
    return wrapper


def _for_this_portal(endpoint, values) -> None:
    """Refuse a request for a host name that is not the portal's (production: ALLOWED_HOSTS).

    A URL value preprocessor, so it runs before every other hook (CSRF, sign-in, rate limits).
    Flask's own TRUSTED_HOSTS check is not used: it fails while the request's URL adapter is being
    made, so hooks would still run and no page could be built, not even the error page.
    """
    if not host_is_trusted(request.host, current_app.config["ALLOWED_HOSTS"]):
        log.info("refused a request for host %r", request.host[:100])
        abort(400)


def _no_nul_characters() -> None:
    """A NUL character has no place in anything a person types or a link carries, and PostgreSQL
    cannot store one: refuse the request with a 400 before any page or domain function sees it."""
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.method == "POST":
        texts += [*request.form.keys(), *request.form.values()]
    if any("\x00" in text for text in texts):
        abort(400)


def init_app(app: Flask) -> None:
    if app.config.get("ALLOWED_HOSTS"):
        app.url_value_preprocessor(_for_this_portal)
    app.before_request(_no_nul_characters)

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint == "static":
            if request.path.startswith("/static/dist/") and request.path != "/static/dist/manifest.json":
                h["Cache-Control"] = "public, max-age=31536000, immutable"
        elif g.get("personal_data") or response.status_code >= 400:
            h["Cache-Control"] = "no-store"
        else:
            h.setdefault("Cache-Control", "no-cache, private")
        return response
