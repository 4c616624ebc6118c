"""A client of the case API, registered as ``flask api-client-create`` registers one, and a
token for it from the token endpoint."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass


@dataclass
class Registered:
    client_id: str
    secret: str


def register(app, name: str = "Works orders", *, roles=("caseworker",), departments=("public-works",),
             scopes=("services:read", "cases:read", "cases:act")) -> Registered:
    args = ["api-client-create", "--name", name]
    for role in roles:
        args += ["--role", role]
    for department in departments:
        args += ["--department", department]
    for scope in scopes:
        args += ["--scope", scope]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return Registered(re.search(r"client_id: (\S+)", result.output).group(1),
                      re.search(r"client_secret: (\S+)", result.output).group(1))


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def get_token(http, registered: Registered, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = http.post("/api/v1/oauth/token", data=data, headers=basic(registered.client_id, registered.secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def case_etag(http, token: str, reference: str) -> str:
    return http.get(f"/api/v1/cases/{reference}", headers=bearer(token)).headers["ETag"]


def write_headers(http, token: str, reference: str, *, etag: str | None = "read",
                  key: str | None = "k-1") -> dict[str, str]:
    """Headers of a POST that changes the case: If-Match (by default the case's ETag, read now;
    None for none) and Idempotency-Key (None for none)."""
    headers = bearer(token)
    if etag == "read":
        etag = case_etag(http, token, reference)
    if etag is not None:
        headers["If-Match"] = etag
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers
