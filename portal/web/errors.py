"""Error pages: translated, with the right status, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..cases.policy import Refused

log = logging.getLogger("portal.errors")

MESSAGES = {
    400: (_l("Something was wrong with what was sent"),
          _l("The page could not use what was sent. Go back, check what you entered and try again.")),
    403: (_l("You cannot see this page"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"),
          _l("If you typed the web address, check it is correct. If you pasted it, check you copied all of it.")),
    405: (_l("This page cannot do that"), _l("Go back to the page you came from and try again.")),
    413: (_l("What you sent is too large"),
          _l("Make your answer shorter, or send a smaller file, and try again.")),
    429: (_l("Too many attempts"),
          _l("You have tried too many times. Wait a few minutes, then try again.")),
    500: (_l("Sorry, something went wrong on our side"),
          _l("Your answers have not been lost. Try again in a few minutes.")),
    503: (_l("Sorry, the service is unavailable"), _l("Try again in a few minutes.")),
}
SESSION_EXPIRED = (
    _l("Your form expired"),
    _l("For your security, forms stop working after some time, or when cookies are blocked. "
       "Go back, reload the page and try again. Check that cookies are allowed for this site."),
)


def render_error(code: int, title=None, body=None):
    default_title, default_body = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    return render_template("errors/error.html", title=title or default_title,
                           body=body or default_body, status=code), code


def _for_the_api(error: Exception):
    """The case API's own answer (a problem document) for an error under /api, or None."""
    answer = current_app.extensions.get("api_error")
    return answer(error) if answer is not None else None


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        api = _for_the_api(error)
        if api is not None:
            return api
        return render_error(400, *SESSION_EXPIRED)

    @app.errorhandler(Refused)
    def _refused(error: Refused):
        # The policy said no: as if the record did not exist, so no one learns what others hold.
        api = _for_the_api(error)
        if api is not None:
            return api
        return render_error(404)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        api = _for_the_api(error)
        if api is not None:
            return api
        code = error.code or 500
        if code not in MESSAGES:
            code = 400 if code < 500 else 500
        return render_error(code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        api = _for_the_api(error)
        if api is not None:
            return api
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
