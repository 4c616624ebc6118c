"""Errors of the case API as problem details (RFC 9457, ``application/problem+json``): a ``type``
that names the kind of problem, a ``title`` and a ``detail`` in the language of the request's
``Accept-Language``, and the HTTP ``status``. Nothing under /api answers with an HTML page.

Views raise ``Problem``; HTTP errors raised anywhere under /api (routing's 404 and 405, a body too
large, the rate limiter's 429) and unexpected exceptions are turned into problems too.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, json
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..cases.policy import Refused

log = logging.getLogger("portal.api")

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:civic-portal:problem:"

# Each kind of problem: its status, title and (default) detail. A detail may name values
# (``%(name)s``) given where the problem is raised.
KINDS: dict[str, tuple[int, Any, Any]] = {
    "bad-request": (400, _l("The request is not valid"),
                    _l("Check the request against the API's description and send it again.")),
    "invalid-json": (400, _l("The body is not valid JSON"),
                     _l("Send the body as a JSON object, encoded in UTF-8.")),
    "invalid-parameter": (400, _l("A parameter has a value the API does not accept"),
                          _l("The parameter %(name)s cannot be %(value)s.")),
    "idempotency-key-missing": (400, _l("An Idempotency-Key header is needed"),
                                _l("Send a unique Idempotency-Key header with every POST, so it can be "
                                   "retried safely.")),
    "unauthorized": (401, _l("Authentication is needed"),
                     _l("Send a bearer token in the Authorization header. Get one from /api/v1/oauth/token.")),
    "invalid-token": (401, _l("The access token is not valid"),
                      _l("The token is unknown, expired or revoked. Get a new one from /api/v1/oauth/token.")),
    "insufficient-scope": (403, _l("The token's scope does not allow this"),
                           _l("This request needs a token with the scope %(scope)s.")),
    "forbidden": (403, _l("This client may not do this"),
                  _l("The roles of this client do not allow this action on this case.")),
    "not-found": (404, _l("Not found"),
                  _l("There is nothing at this address that this client may see.")),
    "unknown-action": (404, _l("Unknown action"),
                       _l("The case's workflow has no action called %(action)s.")),
    "method-not-allowed": (405, _l("Method not allowed"),
                           _l("This address does not accept this method.")),
    "not-acceptable": (406, _l("Not acceptable"),
                       _l("This API answers in JSON only: accept application/json.")),
    "case-finished": (409, _l("The case is finished"),
                      _l("A finished or merged case is not passed to another department.")),
    "status-conflict": (409, _l("The case's status does not allow this action"),
                        _l("The case is %(status)s: the action %(action)s cannot be taken now.")),
    "request-in-flight": (409, _l("A request with this Idempotency-Key is still being answered"),
                          _l("Wait for the first request to finish, then send it again to get its response.")),
    "stale": (412, _l("The case has changed since it was read"),
              _l("Read the case again and send its new ETag in If-Match.")),
    "too-large": (413, _l("The request body is too large"),
                  _l("Send a smaller body.")),
    "document-too-large": (413, _l("The file is too large"),
                           _l("The file must be smaller than %(limit)s MB.")),
    "unsupported-media-type": (415, _l("Unsupported media type"),
                               _l("Send the body as application/json.")),
    "unsupported-document-type": (415, _l("The file's type is not accepted"),
                                  _l("Send a PDF, or a JPG or PNG image. The type is read from the file's "
                                     "content, whatever its name says.")),
    "invalid-body": (422, _l("The request body cannot be used"),
                     _l("Check the fields of the body against the API's description.")),
    "invalid-answers": (422, _l("Some answers cannot be used"),
                        _l("Correct the answers named in errors, then send the request again.")),
    "not-assignable": (422, _l("This member of staff cannot work this case"),
                       _l("Staff member %(assignee)s is unknown, disabled or not in the case's department: choose "
                          "one listed at /api/v1/cases/%(reference)s/assignees.")),
    "transfer-not-possible": (422, _l("The case cannot be transferred as asked"),
                              _l("Check the department and the reason.")),
    "document-refused": (422, _l("The file was not added"),
                         _l("Send another file.")),
    "idempotency-key-reused": (422, _l("This Idempotency-Key was used for another request"),
                               _l("Use a new Idempotency-Key for a new request.")),
    "precondition-required": (428, _l("An If-Match header is needed"),
                              _l("Read the case first and send its ETag in If-Match, so no one else's change "
                                 "is overwritten.")),
    "rate-limited": (429, _l("Too many requests"),
                     _l("This client sent too many requests. Wait a little, then try again.")),
    "server-error": (500, _l("Something went wrong on our side"),
                     _l("Nothing was changed. Try again in a few minutes.")),
    "unavailable": (503, _l("The service is unavailable"), _l("Try again in a few minutes.")),
    "scanner-unavailable": (503, _l("The file could not be checked for viruses"),
                            _l("Nothing was added. Try again in a few minutes.")),
}
BY_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
             405: "method-not-allowed", 406: "not-acceptable", 409: "status-conflict", 412: "stale",
             413: "too-large", 415: "unsupported-media-type", 422: "invalid-body", 428: "precondition-required",
             429: "rate-limited", 500: "server-error", 503: "unavailable"}


class Problem(Exception):
    """An error for the API's client: a kind of ``KINDS`` and the values its detail names."""

    def __init__(self, kind: str, *, detail: Any = None, headers: dict[str, str] | None = None,
                 members: dict[str, Any] | None = None, **values: Any):
        super().__init__(kind)
        self.kind, self.detail, self.values, self.headers = kind, detail, values, headers or {}
        self.members = members or {}  # extension members of the document (RFC 9457 section 3.2)

    @property
    def status(self) -> int:
        return KINDS[self.kind][0]


def document(kind: str, detail: Any = None, **values: Any) -> dict[str, Any]:
    status, title, default = KINDS[kind]
    detail = default if detail is None else detail
    # Translated now (the request's language), then given the values it names, as gettext would.
    text = str(detail) % values if values else str(detail)
    return {"type": TYPE_PREFIX + kind, "title": str(title), "status": status, "detail": text}


def response(problem: Problem) -> Response:
    body = {**document(problem.kind, problem.detail, **problem.values), **problem.members}
    result = current_app.response_class(json.dumps(body), status=problem.status, mimetype=MEDIA_TYPE)
    headers = dict(problem.headers)
    if problem.status == 401 and "WWW-Authenticate" not in headers:
        error = ' error="invalid_token"' if problem.kind == "invalid-token" else ""
        headers["WWW-Authenticate"] = f'Bearer realm="api"{error}'
    if problem.kind == "insufficient-scope":  # RFC 6750 section 3.1
        headers["WWW-Authenticate"] = f'Bearer realm="api", error="insufficient_scope", scope="{problem.values["scope"]}"'
    for name, value in headers.items():
        result.headers[name] = value
    result.headers["Content-Language"] = str(get_locale() or "en")
    result.headers["Cache-Control"] = "no-store"
    return result


def from_http(error: HTTPException) -> Response:
    code = error.code or 500
    kind = BY_STATUS.get(code, "bad-request" if code < 500 else "server-error")
    if kind in ("invalid-body", "status-conflict"):  # these need values only views know
        kind = "bad-request"
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        headers["Retry-After"] = "60"
    return response(Problem(kind, headers=headers))


def from_exception(error: Exception) -> Response:
    if isinstance(error, Problem):
        return response(error)
    if isinstance(error, HTTPException):
        return from_http(error)
    if isinstance(error, Refused):  # the policy said no: as if there were nothing there
        return response(Problem("not-found"))
    log.exception("unhandled error in the case API")
    return response(Problem("server-error"))
