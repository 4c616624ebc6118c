"""OAuth 2 client credentials for the case API, with Authlib's authorization server.

- ``POST /api/v1/oauth/token``: a registered client (``flask api-client-create``) trades its id and
  secret (HTTP Basic, ``client_secret_basic``, or form fields, ``client_secret_post``) for a bearer
  token that lives ``TOKEN_LIFETIME``; only the token's SHA-256 hash is stored.
- ``POST /api/v1/oauth/revoke``: RFC 7009 revocation of a token by the client it was issued to.
- Every other API request is checked by a ``ResourceProtector`` with a bearer token validator; the
  token becomes the client's ``Actor`` (its roles and departments), which the domain decides with.

These two endpoints answer in OAuth's own error format (RFC 6749 section 5.2), which OAuth client
libraries expect; everything else in the API answers errors as problem details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc6750.errors import InsufficientScopeError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Flask, g, request

from .. import db
from ..accounts import api_clients
from ..extensions import client_wait
from .problems import Problem

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


@dataclass
class Client(ClientMixin):
    """A registered client, as Authlib asks about it."""

    row: object  # None for an id no client has: its secret never matches, like a wrong one
    client_id: str = ""

    def get_client_id(self):
        return self.row.client_id if self.row is not None else self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        allowed = set(self.row.scopes if self.row is not None else ())
        if not scope:
            return list_to_scope(sorted(allowed))
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return api_clients.check_secret(self.row, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in AUTH_METHODS

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type == "client_credentials"


@dataclass
class Token(TokenMixin):
    """A token found by its hash."""

    row: object

    def check_client(self, client):
        return self.row.client_id == client.row.id

    def get_scope(self):
        return list_to_scope(self.row.scopes)

    def get_expires_in(self):
        return max(0, int((self.row.expires_at - datetime.now(UTC)).total_seconds()))

    def is_expired(self):
        return self.row.expires_at <= datetime.now(UTC)

    def is_revoked(self):
        return not api_clients.token_usable(db.session(), self.row)


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string, token_type_hint):
        row = api_clients.find_token(db.session(), token_string)
        return Token(row) if row is not None else None

    def revoke_token(self, token, request):
        api_clients.revoke_token(token.row)


class Bearer(BearerTokenValidator):
    def authenticate_token(self, token_string):
        row = api_clients.find_token(db.session(), token_string)
        return Token(row) if row is not None else None


def _query_client(client_id):
    return Client(api_clients.active(db.session(), client_id), client_id or "")


def _save_token(token, oauth_request):
    api_clients.store_token(db.session(), oauth_request.client.row, token["access_token"],
                            scope_to_list(token.get("scope") or ""), token["expires_in"])


server = AuthorizationServer()
protector = ResourceProtector()


def init_app(app: Flask) -> None:
    lifetime = int(api_clients.TOKEN_LIFETIME.total_seconds())
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": lifetime})
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(api_clients.SCOPES))
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(ClientCredentials)
    server.register_endpoint(Revocation)
    protector.register_token_validator(Bearer())


def client_actor(scope: str):
    """The actor of the request's bearer token, checked for ``scope``; a ``Problem`` otherwise
    (401 for no, an unknown, expired or revoked token; 403 for too narrow a scope). Counts the
    request against the client's rate limit (``API_RATE_LIMIT``)."""
    if "Authorization" not in request.headers:
        raise Problem("unauthorized")
    try:
        token = protector.acquire_token([scope])
    except InsufficientScopeError:
        raise Problem("insufficient-scope", scope=scope) from None
    except OAuth2Error:
        raise Problem("invalid-token") from None
    client = api_clients.client_of(db.session(), token.row)
    _count(client.client_id)
    g.api_client = client
    g.api_actor = api_clients.actor_for(client, address=request.remote_addr)
    return g.api_actor


def _count(client_id: str) -> None:
    wait = client_wait(client_id)
    if wait is not None:
        raise Problem("rate-limited", headers={"Retry-After": str(wait)})
