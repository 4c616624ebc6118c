"""Security headers on every response."""

from __future__ import annotations

from functools import wraps

from flask import Flask, g, request

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


def init_app(app: Flask) -> None:
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
