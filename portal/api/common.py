"""What every API view shares: the operation each view declares (its part of the OpenAPI
document, and the scope its token needs), the actor of the request, JSON in and out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, json, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import oauth
from .problems import Problem

JSON = "application/json"


def operation(spec: dict[str, Any], *, scope: str | None = None, produces: tuple[str, ...] = ()) -> Callable:
    """Declare a view's operation: ``spec`` is its OpenAPI operation object (``openapi`` puts it in
    the document under the view's route); ``scope``, when given, is what its bearer token needs;
    ``produces``, media types it answers with besides JSON (a document's own type, say).
    The view gets the request's actor as its first argument."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            _accepts_json(produces)
            if scope is None:
                return view(*args, **kwargs)
            return view(oauth.client_actor(scope), *args, **kwargs)

        wrapper.openapi = {**spec, **({"security": [{"oauth2": [scope]}]} if scope else {})}
        wrapper.scope = scope
        return wrapper

    return decorate


def _accepts_json(produces: tuple[str, ...] = ()) -> None:
    """406 unless the client takes JSON (or problem details, or what the view ``produces``, or anything)."""
    accepted = request.accept_mimetypes
    if accepted and not (accepted.best_match([JSON, "application/problem+json", *produces])):
        raise Problem("not-acceptable")


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None):
    response = current_app.response_class(json.dumps(body), status=status, mimetype=JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 unless sent as JSON, 400 unless it parses to an object."""
    if request.mimetype != JSON:
        raise Problem("unsupported-media-type")
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Problem("too-large") from None
    try:
        body = json.loads(raw.decode("utf-8")) if raw else {}
    except (ValueError, UnicodeDecodeError):
        raise Problem("invalid-json") from None
    if not isinstance(body, dict):
        raise Problem("invalid-json")
    return body
