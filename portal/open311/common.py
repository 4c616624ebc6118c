"""What the Open311 views share: the catalog, the jurisdiction, the caller's language, the api_key."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import db
from ..accounts import api_clients
from ..catalog import open311 as catalog311
from ..extensions import client_wait
from .formats import Open311Error

FMT = "<any(xml, json):fmt>"


def locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def jurisdiction() -> str:
    """This portal's one jurisdiction: the host name of its public address."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"


def check_jurisdiction() -> None:
    given = request.values.get("jurisdiction_id")
    if given and given != jurisdiction():
        raise Open311Error((404, _("This server answers for the jurisdiction %(ours)s only.", ours=jurisdiction())))


def catalog():
    return current_app.extensions["catalog"]


def offered_services():
    return [d for d in sorted(catalog().services.values(), key=lambda d: d.code) if catalog311.offered(d)]


def service(code: str):
    definition = catalog().services.get(code)
    if definition is None or not catalog311.offered(definition):
        raise Open311Error((404, _("There is no service with the code %(code)s.", code=code)))
    return definition


def client_actor():
    """The actor of the request's ``api_key`` (``<client_id>:<secret>`` of a registered, unrevoked
    API client, as ``flask api-client-create`` printed them); 403 for any other key."""
    key = request.values.get("api_key", "")
    client_id, _sep, secret = key.partition(":")
    client = api_clients.active(db.session(), client_id)
    if not api_clients.check_secret(client, secret) or "cases:create" not in (client.scopes or ()):
        raise Open311Error((403, _("The api_key is not valid. Ask the agency for a key.")))
    if client_wait(client.client_id) is not None:
        raise Open311Error((429, _("Too many requests: wait a little, then try again.")))
    return api_clients.actor_for(client, address=request.remote_addr, source="open311")
