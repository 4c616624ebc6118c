"""``Idempotency-Key`` on every POST of the API (after the IETF httpapi draft): the first request
with a key is answered and its response kept; the same key with the same request replays that
response, with another request is 422, and while the first is still being answered is 409.

The key is reserved in a transaction of its own before the request's work begins, so a second
request with it sees it at once; the response is stored in the request's own transaction, so it is
kept exactly when the change it reports is. A request that fails frees its key again.
"""

from __future__ import annotations

import functools
import hashlib

from flask import g, json, request

from .. import db
from ..accounts import api_clients
from .common import reply
from .problems import Problem

MAX_KEY = 255
REPLAYED_HEADERS = ("ETag", "Location")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), *_body()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _body() -> list[bytes]:
    """The request's body as bytes to compare. A multipart body is compared by its parts (names,
    file names, types and contents), not its bytes: a client sending the same file again may frame
    it with another boundary."""
    if request.mimetype != "multipart/form-data":
        return [request.get_data(cache=True)]
    parts = [part for name, value in sorted(request.form.items(multi=True))
             for part in (b"field", name.encode(), value.encode())]
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        data = upload.stream.read()
        upload.stream.seek(0)
        parts += [b"file", name.encode(), (upload.filename or "").encode(), (upload.mimetype or "").encode(), data]
    return parts


def _reserve(client_id: int, key: str, fingerprint: str):
    """The new reservation's id, or the row an earlier request made with this key."""
    with db.apart() as own:
        return api_clients.take_key(own, client_id, key, fingerprint)


def _free(reservation: int) -> None:
    with db.apart() as own:
        api_clients.free_key(own, reservation)


def idempotent(view):
    """For a view that ``operation`` gave an actor (its first argument)."""

    @functools.wraps(view)
    def wrapper(actor, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > MAX_KEY:
            raise Problem("idempotency-key-missing")
        client_id = g.api_client.id
        fingerprint = _fingerprint()
        found = _reserve(client_id, key, fingerprint)
        if not isinstance(found, int):
            if found.request_hash != fingerprint:
                raise Problem("idempotency-key-reused")
            if found.status is None:
                raise Problem("request-in-flight")
            response = reply(json.loads(found.body), found.status, found.headers)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view(actor, *args, **kwargs)
        except BaseException:
            if g.get("db_keep_changes"):  # a refusal's audit record is kept: free the key with it
                api_clients.free_key(db.session(), found)
            else:
                _free(found)
            raise
        if response.status_code >= 400:
            _free(found)
            return response
        kept = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        api_clients.answer_key(db.session(), found, response.status_code, kept, response.get_data(as_text=True))
        return response

    return wrapper
