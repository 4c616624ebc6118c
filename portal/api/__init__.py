"""The case API at /api/v1: a third front door to the same domain as the resident and staff pages.

An API request carries no cookies: the session cookie is neither read nor set under /api (so no
CSRF token either), and the language of its text comes from ``Accept-Language`` alone. Each
request's bearer token becomes an ``Actor`` once (``oauth.client_actor``); the domain's policy
decides what it may read and do, exactly as for staff. Errors are problem details (``problems``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from ..cases.policy import Refused
from ..extensions import csrf
from . import problems

PREFIX = "/api/"

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


class _NoCookiesForTheApi(SecureCookieSessionInterface):
    """The app's cookie session everywhere but under /api, which gets none: nothing read, nothing set."""

    def open_session(self, app, request):
        if request.path.startswith(PREFIX):
            return self.null_session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if request.path.startswith(PREFIX):
            return
        super().save_session(app, session, response)


bp.register_error_handler(HTTPException, problems.from_http)
bp.register_error_handler(Refused, problems.from_exception)
bp.register_error_handler(problems.Problem, problems.response)
bp.register_error_handler(Exception, problems.from_exception)


@bp.after_request
def _never_stored(response):
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Accept-Language")
    return response


from . import cases, oauth, openapi, reference, services, tokens  # noqa: E402  (views register on bp)
from . import intake  # noqa: E402,F401  (POST /cases)
from . import webhooks  # noqa: E402, F401
from . import casefiles, casework, feed  # noqa: E402


def init_app(app: Flask) -> None:
    app.session_interface = _NoCookiesForTheApi()
    csrf.exempt(bp)
    oauth.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(reference.bp)  # /developers: an HTML page, outside the API's prefix
    # Errors under /api that no view of the blueprint raised (no route, wrong method, a body too
    # large, the rate limiter) reach the app's handlers, which ask this one for /api paths.
    app.extensions["api_error"] = lambda error: (problems.from_exception(error) if is_api_request() else None)
