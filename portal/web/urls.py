"""Numbers read from URLs, and full links to the portal.

- ``<id:name>`` in a route takes only a whole number a row's id can be (1 to ``MAX_ID``); any
  other number, however long, is simply a page that does not exist (404), so it never reaches
  the database (SQLite and PostgreSQL both fail on an integer wider than their column).
- ``query_id(name)`` does the same for an id in the query string, with a 400 for a bad one.
- ``public_url(endpoint, …)`` is a full link built from ``PUBLIC_BASE_URL``, never from the
  request's Host header, which the client chooses.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request, url_for
from werkzeug.routing import IntegerConverter

from ..db import MAX_ID

ID_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """A row id: 1 to MAX_ID, written with plain digits. Anything else does not match the route."""

    regex = rf"\d{{1,{ID_DIGITS}}}"

    def __init__(self, url_map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def query_id(name: str) -> int | None:
    """The id in the query parameter ``name``; None when it is absent or empty. Anything that
    cannot be a row's id is refused with a 400."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS) or not 1 <= int(raw) <= MAX_ID:
        abort(400)
    return int(raw)


def public_url(endpoint: str, **values) -> str:
    """A full link to a page of the portal, for pages and messages: PUBLIC_BASE_URL + the path."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: routes are compiled with their converters."""
    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals["public_url"] = public_url
