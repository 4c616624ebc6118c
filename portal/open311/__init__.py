"""Open311 GeoReport v2 at /open311/v2: the standard 311 apps and cities speak, a fourth front
door to the same domain (``portal.cases``) as the resident pages, the staff pages and the case API.

- Every address ends in ``.xml`` or ``.json`` and answers in that format; errors are the
  specification's array of ``{code, description}``, with the HTTP status of the first.
- The services and their attributes come from the same catalog files as the web forms
  (``portal.catalog.open311``); a request posted here is checked by the question pages' own forms and made the
  one way a case is made (``portal.cases.intake``, channel "open311").
- ``api_key``: a client registered with ``flask api-client-create`` sends ``<client_id>:<secret>``
  as its key. The key becomes that client's actor, so the one policy decides exactly as for the
  case API: posting needs the scope ``cases:create`` and a role that enters cases for residents
  (``contact_centre``) in the service's department. Reading is public and shows only what
  ``portal.cases.service_requests`` publishes.
- Beyond the specification: texts in the caller's language (``locale`` or Accept-Language),
  ``extensions=true``, ``page`` and ``page_size``, media uploaded as multipart ``media`` (v2.1
  draft) and FixMyStreet's ``servicerequestupdates``.
- No cookies: the session cookie is neither read nor set under /open311, so there is no CSRF token.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..extensions import csrf
from .formats import FORMATS, Open311Error, errors

PREFIX = "/open311/"
log = logging.getLogger("portal.open311")

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")


def is_open311_request() -> bool:
    return request.path.startswith(PREFIX)


def requested_format() -> str:
    """The format the address asks for (its extension); JSON when it names none we know."""
    fmt = (request.view_args or {}).get("fmt") or request.path.rsplit(".", 1)[-1]
    return fmt if fmt in FORMATS else "json"


def from_exception(error: Exception):
    if isinstance(error, Open311Error):
        return errors(requested_format(), error)
    if isinstance(error, HTTPException):
        code = error.code or 500
        text = {404: _("There is nothing at this address."), 405: _("This address does not accept this method."),
                413: _("The request is too large."), 429: _("Too many requests: wait a little, then try again.")}
        return errors(requested_format(), Open311Error((code, text.get(code, error.description or error.name))))
    log.exception("unhandled error in Open311")
    return errors(requested_format(), Open311Error((500, _("Something went wrong on our side. Nothing was "
                                                            "changed. Try again in a few minutes."))))


bp.register_error_handler(Exception, from_exception)


@bp.after_request
def _never_stored(response):
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Accept-Language")
    return response


from . import requests, services, updates  # noqa: E402,F401  (views register on bp)


def _without_cookies(app: Flask) -> None:
    """The app's session interface, but with no session under /open311: nothing read, nothing set."""
    inner = type(app.session_interface)

    class NoCookiesForOpen311(inner):
        def open_session(self, app, request):
            if request.path.startswith(PREFIX):
                return self.null_session_class()
            return super().open_session(app, request)

        def save_session(self, app, session, response):
            if is_open311_request():
                return
            super().save_session(app, session, response)

    app.session_interface = NoCookiesForOpen311()


def init_app(app: Flask) -> None:
    _without_cookies(app)
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # Errors under /open311 that no view raised (no route, a body too large) reach the app's
    # handlers, which ask the machine doors for their own answer first.
    earlier = app.extensions.get("api_error")
    app.extensions["api_error"] = lambda error: (
        from_exception(error) if is_open311_request() else earlier(error) if earlier else None)

