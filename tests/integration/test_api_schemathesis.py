"""The live case API, fuzzed against its own OpenAPI document with schemathesis.

The portal is served by werkzeug on 127.0.0.1 (a free port chosen now) on the test database; a
client is registered as ``flask api-client-create`` registers one and gets a real token from
/api/v1/oauth/token. schemathesis then loads /api/v1/openapi.json from the server and tests every
operation the document has (so an operation added later is tested without changing this file):
its examples, the boundaries of each parameter and body (coverage), generated valid and invalid
requests (fuzzing), and sequences that follow the document's links (stateful: list cases, read
one, act on it with its ETag). Every response must be no server error and must be what the
document says: a status it lists, its media type, headers and body schema.

The run is bounded (``MAX_EXAMPLES`` per operation) and deterministic (a fixed seed), and takes
about a minute on two cores (SQLite or PostgreSQL).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import requests

from portal.accounts import api_clients

from .. import factories
from ..api import register
from ..browser.support import LiveServer

pytestmark = pytest.mark.slow  # schemathesis runs as its own process, for about a minute

MAX_EXAMPLES = 15
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
# A request whose every part has the document's form may still be refused for what it meets, and
# must be: If-Match naming another version of the case is 412; a body of the right shape that the
# domain cannot use (an action that needs a public_note for this kind of case) is 422. A 400 (a
# malformed request) for such a request is still a failure: the document must describe the form.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422", "429"]

# A POST that changes a case without If-Match is 428 Precondition Required (RFC 6585), the status
# made for it; a missing Idempotency-Key is 400.
[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]

# Each token request checks the client's secret with Argon2 (slow on purpose): fewer of them.
[[operations]]
include-path-regex = "^/oauth/"
generation.max-examples = 6
"""
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
          "positive_data_acceptance", "missing_required_header", "unsupported_method",
          "allow_header_conformance", "use_after_free", "ensure_resource_availability", "ignored_auth")
# The fuzzer sends thousands of requests a minute from one client and one address.
LIMITS = {"API_RATE_LIMIT": "100000 per minute", "API_TOKEN_RATE_LIMIT": "100000 per minute"}
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def server(app, _schema):
    live = LiveServer({**_schema, **LIMITS}).start()
    yield live
    live.stop()


def _cases(app) -> None:
    """Cases of the client's department in several statuses, one overdue, and one of another
    department the client must never see."""
    factories.case(app, "pothole")
    factories.case(app, "pothole", "in_review")
    factories.case(app, "pothole", "in_review", factories.Staff("more_info_needed", public="Which lane?"))
    factories.case(app, "damaged-sidewalk", "in_review", "scheduled")
    factories.case(app, "tree-removal")


def _operations(document: dict) -> set[str]:
    """Every operation of the document but its own: schemathesis does not test the address it
    loaded the document from (test_api_openapi checks that one)."""
    return {f"{method.upper()} {path}" for path, item in document["paths"].items()
            for method in item if method in METHODS} - {"GET /openapi.json"}


def test_schemathesis_finds_nothing_in_any_operation(app, server, tmp_path: Path):
    _cases(app)
    # Every scope there is and the roles that do most, so that every operation (those added later
    # too) is reached past its authorisation; one department, so that others' cases are 404s.
    registered = register(app, "Fuzzer", roles=("supervisor", "contact_centre"), departments=("public-works",),
                          scopes=tuple(api_clients.SCOPES))
    location = server("/api/v1/openapi.json")
    document = requests.get(location, timeout=10).json()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    junit = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", location,
               "--checks", ",".join(CHECKS), "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
               "--workers", "1", "--no-color", "--request-timeout", "20",
               "--report", "junit", "--report-junit-path", str(junit)]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "API_FUZZ_BASE": server("/api/v1"),
                   "API_FUZZ_CLIENT_ID": registered.client_id, "API_FUZZ_CLIENT_SECRET": registered.secret}
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=environment)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    tested = {case.get("name") for case in ElementTree.parse(junit).getroot().iter("testcase")}
    assert tested >= _operations(document), sorted(_operations(document) - tested)
    assert "Stateful tests" in tested  # the document's links were followed
