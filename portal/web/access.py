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
    "tracking.track": ANYONE,
    "tracking.case": PROVED_TRACKER,
    "tracking.private": LINK_HOLDER,
}


class UndeclaredAccess(RuntimeError):
    pass


def check_declared(app: Flask) -> None:
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(RULES))
    if missing:
        raise UndeclaredAccess(f"no access rule for: {', '.join(missing)} (see portal/web/access.py)")
