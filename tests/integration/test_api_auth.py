"""The case API's clients and tokens: registered on the command line (audited, the secret shown
once and stored only as an argon2 hash), OAuth 2 client credentials (HTTP Basic or form), tokens
stored only as hashes, short-lived and revocable; every wrong token is a 401 problem, too narrow a
scope a 403; no cookies and no CSRF under /api; a rate limit per client."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.models import ApiClient, ApiToken, AuditRecord
from portal.models.base import utcnow

from ..api import basic, bearer, get_token, register

PROBLEM = "application/problem+json"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_api_client_create_prints_the_secret_once_and_keeps_only_its_hash(app, db_session):
    registered = register(app, roles=("caseworker",), departments=("public-works",), scopes=("cases:read",))
    client = db_session.scalar(select(ApiClient).filter_by(client_id=registered.client_id))
    assert client.secret_hash.startswith("$argon2") and registered.secret not in client.secret_hash
    assert (client.roles, client.departments, client.scopes) == (["caseworker"], ["public-works"], ["cases:read"])
    # An id an operator can paste into a command: never one that starts with "-" (an option).
    assert all(c in "0123456789abcdef" for c in registered.client_id) and len(registered.client_id) == 32
    row = db_session.scalar(select(AuditRecord).filter_by(action="api_client.create"))
    assert row.target_id == registered.client_id and row.actor.startswith("system:cli:") and row.source == "cli"


@pytest.mark.parametrize(("args", "message"), [
    (("--role", "wizard", "--department", "public-works"), "Unknown role: wizard"),
    (("--role", "caseworker", "--department", "atlantis"), "Unknown department: atlantis"),
    (("--role", "caseworker", "--scope", "cases:delete"), "Unknown scope: cases:delete"),
    (("--department", "public-works"), "at least one --role"),
])
def test_api_client_create_refuses_what_the_policy_does_not_know(app, db_session, args, message):
    result = run(app, "api-client-create", "--name", "X", *args)
    assert result.exit_code != 0 and message in result.output
    assert db_session.scalar(select(ApiClient)) is None


def test_a_token_by_http_basic_or_by_form_is_stored_only_as_its_hash(app, client, db_session):
    registered = register(app)
    by_basic = get_token(client, registered)
    by_form = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials",
                                                         "client_id": registered.client_id,
                                                         "client_secret": registered.secret})
    assert by_form.status_code == 200, by_form.get_data(as_text=True)
    body = by_form.get_json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] == 900
    assert "no-store" in by_form.headers["Cache-Control"]
    rows = db_session.scalars(select(ApiToken)).all()
    assert {r.token_hash for r in rows} == {hashlib.sha256(t.encode()).hexdigest()
                                            for t in (by_basic, body["access_token"])}
    assert all(r.expires_at - r.issued_at == timedelta(minutes=15) for r in rows)


def test_a_wrong_secret_gets_no_token(app, client):
    registered = register(app)
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic(registered.client_id, "not-the-secret"))
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"
    unknown = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                          headers=basic("nobody", "nothing"))
    assert unknown.status_code == 401 and unknown.get_json() == response.get_json()


def _problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == f"urn:civic-portal:problem:{kind}" and body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_missing_unknown_expired_and_revoked_tokens_are_401_problems(app, client, db_session):
    registered = register(app)
    missing = client.get("/api/v1/services")
    _problem(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    garbage = client.get("/api/v1/services", headers=bearer("not-a-token"))
    _problem(garbage, 401, "invalid-token")
    assert 'error="invalid_token"' in garbage.headers["WWW-Authenticate"]

    expired = get_token(client, registered)
    db_session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    _problem(client.get("/api/v1/services", headers=bearer(expired)), 401, "invalid-token")

    token = get_token(client, registered)
    assert client.get("/api/v1/services", headers=bearer(token)).status_code == 200
    revoked = client.post("/api/v1/oauth/revoke", data={"token": token},
                          headers=basic(registered.client_id, registered.secret))
    assert revoked.status_code == 200
    _problem(client.get("/api/v1/services", headers=bearer(token)), 401, "invalid-token")


def test_a_foreign_client_cannot_revoke_anothers_token(app, client):
    ours, theirs = register(app, "Ours"), register(app, "Theirs")
    token = get_token(client, ours)
    refused = client.post("/api/v1/oauth/revoke", data={"token": token},
                          headers=basic(theirs.client_id, theirs.secret))
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
    assert client.get("/api/v1/services", headers=bearer(token)).status_code == 200


def test_revoking_a_client_ends_its_tokens_and_its_secret(app, client, db_session):
    registered = register(app)
    token = get_token(client, registered)
    result = run(app, "api-client-revoke", registered.client_id)
    assert result.exit_code == 0, result.output
    _problem(client.get("/api/v1/services", headers=bearer(token)), 401, "invalid-token")
    again = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                        headers=basic(registered.client_id, registered.secret))
    assert again.status_code == 401
    assert db_session.scalar(select(AuditRecord).filter_by(action="api_client.revoke")).target_id == \
        registered.client_id
    assert run(app, "api-client-revoke", "nobody").exit_code != 0


def test_a_token_is_good_only_for_its_scopes(app, client):
    registered = register(app, scopes=("services:read",))
    token = get_token(client, registered)
    assert client.get("/api/v1/services", headers=bearer(token)).status_code == 200
    narrower = client.get("/api/v1/cases", headers=bearer(token))
    body = _problem(narrower, 403, "insufficient-scope")
    assert "cases:read" in body["detail"]
    assert 'error="insufficient_scope"' in narrower.headers["WWW-Authenticate"]
    # Asking for a scope the client was not given gets a token without it.
    narrow = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials",
                                                       "scope": "services:read cases:act"},
                         headers=basic(registered.client_id, registered.secret))
    assert narrow.get_json()["scope"] == "services:read"


def test_the_api_takes_no_cookies_and_sets_none(app, client):
    registered = register(app)
    token = get_token(client, registered)
    client.get("/?lang=es")  # a browser's language cookie (and perhaps a session) on the same client
    response = client.get("/api/v1/services", headers=bearer(token, Cookie="session=forged; portal_lang=ar"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    # No CSRF token is asked for a POST (the token request above had none).


def test_the_rate_limit_counts_per_client(app, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = register(app, "First"), register(app, "Second")
    first_token, second_token = get_token(client, first), get_token(client, second)
    for _ in range(3):
        assert client.get("/api/v1/services", headers=bearer(first_token)).status_code == 200
    limited = client.get("/api/v1/services", headers=bearer(first_token))
    _problem(limited, 429, "rate-limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/services", headers=bearer(second_token)).status_code == 200


def test_problems_answer_in_the_language_of_accept_language_only(app, client):
    from flask_babel import force_locale, gettext

    registered = register(app)
    token = get_token(client, registered)
    client.get("/?lang=ar")  # a remembered web language does not reach the API
    response = client.get("/api/v1/cases/NOPE-NOPE", headers=bearer(token, **{"Accept-Language": "es"}))
    body = _problem(response, 404, "not-found")
    assert response.headers["Content-Language"] == "es"
    with app.test_request_context(), force_locale("es"):
        assert body["title"] == gettext("Not found")
    english = client.get("/api/v1/cases/NOPE-NOPE?lang=ar", headers=bearer(token))
    assert english.headers["Content-Language"] == "en"


@pytest.mark.parametrize(("method", "path", "headers", "status", "kind"), [
    ("get", "/api/v1/no-such-thing", {}, 404, "not-found"),
    ("delete", "/api/v1/services", {}, 405, "method-not-allowed"),
    ("get", "/api/v1/oauth/token", {}, 405, "method-not-allowed"),
    ("get", "/api/v1/openapi.json", {"Accept": "text/html"}, 406, "not-acceptable"),
])
def test_http_errors_under_api_are_problems_never_pages(client, method, path, headers, status, kind):
    _problem(getattr(client, method)(path, headers=headers), status, kind)


def test_an_unexpected_error_is_a_problem_too(app, client, monkeypatch):
    from portal.api import services

    registered = register(app)
    token = get_token(client, registered)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_service", broken)
    _problem(client.get("/api/v1/services", headers=bearer(token)), 500, "server-error")


def test_a_post_to_no_route_is_a_problem_without_a_csrf_check(client):
    _problem(client.post("/api/v1/no-such-thing", data={"a": "b"}), 404, "not-found")
    _problem(client.post("/api/v1/services", json={}), 405, "method-not-allowed")


def test_a_refusal_escaping_a_view_is_the_same_404_problem(app, client, monkeypatch):
    from portal.api import services
    from portal.cases.policy import Refused

    token = get_token(client, register(app))

    def refuse(*args, **kwargs):
        raise Refused("case.read")

    monkeypatch.setattr(services, "_service", refuse)
    _problem(client.get("/api/v1/services", headers=bearer(token)), 404, "not-found")
