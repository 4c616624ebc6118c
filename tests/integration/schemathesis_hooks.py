"""Credentials for the schemathesis run of ``test_api_schemathesis`` (loaded by schemathesis
through ``SCHEMATHESIS_HOOKS``, in its own process): the OAuth endpoints get the registered
client's id and secret (HTTP Basic), every other operation a bearer token the client got from
/api/v1/oauth/token, fetched again whenever the API answers 401."""

from __future__ import annotations

import os

import requests
import schemathesis

BASE = os.environ["API_FUZZ_BASE"]
CLIENT = (os.environ["API_FUZZ_CLIENT_ID"], os.environ["API_FUZZ_CLIENT_SECRET"])
OAUTH = "^/oauth/"


def _authorize(case, value: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": value}


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=OAUTH)
class ClientCredentials:
    def get(self, case, context):
        return requests.Request(auth=CLIENT, url=BASE).prepare().headers["Authorization"]

    def set(self, case, data, context):
        _authorize(case, data)


@schemathesis.auth(refresh_interval=600).skip_for(path_regex=OAUTH)
class BearerToken:
    def get(self, case, context):
        answer = requests.post(f"{BASE}/oauth/token", data={"grant_type": "client_credentials"}, auth=CLIENT,
                               timeout=10)
        answer.raise_for_status()
        return answer.json()["access_token"]

    def set(self, case, data, context):
        _authorize(case, f"Bearer {data}")
