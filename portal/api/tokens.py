"""The OAuth 2 endpoints: a token for a client's credentials, and revocation (RFC 7009)."""

from __future__ import annotations

from flask import current_app

from ..extensions import limiter
from . import bp, oauth
from .common import operation
from .schemas import ref

FORM = "application/x-www-form-urlencoded"
OAUTH_ERROR = {"content": {"application/json": {"schema": ref("OAuthError")}}}
# A request the portal refuses before OAuth reads it (a NUL character in the form) is a problem detail.
BAD_REQUEST = {"description": "An OAuth error, or a request refused before it was read.",
               "content": {"application/json": {"schema": ref("OAuthError")},
                           "application/problem+json": {"schema": ref("Problem")}}}


def _token_rate() -> str:
    return current_app.config["API_TOKEN_RATE_LIMIT"]


@bp.post("/oauth/token")
@operation({"operationId": "getToken", "summary": "A bearer token for the client's id and secret",
            "tags": ["oauth"], "security": [],
            "description": "Client credentials grant (RFC 6749 section 4.4): the client's id and secret in HTTP "
                           "Basic (client_secret_basic) or in the form (client_secret_post).",
            "requestBody": {"required": True, "content": {FORM: {"schema": {
                "type": "object", "properties": {"grant_type": {"type": "string", "enum": ["client_credentials"]},
                                                 "scope": {"type": "string"}, "client_id": {"type": "string"},
                                                 "client_secret": {"type": "string"}},
                "required": ["grant_type"]}}}},
            "responses": {"200": {"description": "A token.", "content": {"application/json": {"schema": ref("Token")}}},
                          "400": BAD_REQUEST,
                          "401": {"description": "The client could not be authenticated.", **OAUTH_ERROR},
                          "429": {"description": "Too many requests.",
                                  "content": {"application/problem+json": {"schema": ref("Problem")}}}}})
@limiter.limit(_token_rate, scope="api-token")
def token():
    return oauth.server.create_token_response()


@bp.post("/oauth/revoke")
@operation({"operationId": "revokeToken", "summary": "Revoke a token (RFC 7009)", "tags": ["oauth"],
            "security": [],
            "requestBody": {"required": True, "content": {FORM: {"schema": {
                "type": "object", "properties": {"token": {"type": "string"},
                                                 "token_type_hint": {"type": "string"}},
                "required": ["token"]}}}},
            "responses": {"200": {"description": "Revoked (or already unknown).",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": BAD_REQUEST,
                          "401": {"description": "The client could not be authenticated.", **OAUTH_ERROR},
                          "429": {"description": "Too many requests.",
                                  "content": {"application/problem+json": {"schema": ref("Problem")}}}}})
@limiter.limit(_token_rate, scope="api-token")
def revoke():
    return oauth.server.create_endpoint_response("revocation")
