"""Headers, cookies, caching and the production configuration."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.config import ConfigError

from ..conftest import post_form
from ..helpers import answer, report_pothole, submit


def test_every_page_has_a_strict_policy(client):
    for url in ["/", "/services", "/report/pothole/q/location", "/track", "/nope"]:
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        body = response.get_data(as_text=True)
        assert "<script>" not in body and "style=" not in body and "onclick" not in body


def test_pages_with_personal_data_are_not_stored(client):
    report_pothole(client)
    assert client.get("/report/pothole/check").headers["Cache-Control"] == "no-store"
    sent = submit(client)
    assert client.get(sent.location).headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers["Cache-Control"]


def test_question_and_group_item_pages_with_answers_are_not_stored(client):
    from .test_benefits import member, up_to_the_household

    answer(client, "pothole", "location", {"street": "12 Main Street"})
    question = client.get("/report/pothole/q/location")
    assert question.status_code == 200 and question.headers["Cache-Control"] == "no-store"
    group = up_to_the_household(client)
    post_form(client, f"{group}/item/new", member("Rosa Pérez"))
    listed = client.get(group)
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
    item = re.search(r"/item/[0-9a-f]{16}", listed.get_data(as_text=True))[0]
    for path in (f"{group}/item/new", f"{group}{item}"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store", path


def test_static_assets_are_immutable(client, app):
    import json
    from pathlib import Path

    manifest = json.loads((Path(app.static_folder) / "dist" / "manifest.json").read_text())
    response = client.get(f"/static/dist/{manifest['portal.css']}")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    response.close()


def test_production_cookies_are_secure(_schema):
    app = create_app({**_schema, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40})
    client = app.test_client()
    response = client.get("/report/pothole/q/location?lang=es", base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "a session and a language cookie are set"
    for cookie in cookies:
        assert cookie.startswith("__Host-")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("secret", [None, "", "short", "development-only-secret-key-do-not-use-in-production"])
def test_production_refuses_a_weak_secret(monkeypatch, secret, _schema):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = {k: v for k, v in _schema.items() if k != "SECRET_KEY"}
    if secret is not None:
        settings["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**settings, "PORTAL_ENV": "production"})


def test_healthz_reports_the_database(app, client, tmp_path):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    broken = create_app({"PORTAL_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
                         "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"


def test_a_server_error_is_a_friendly_page(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "<h1>" in body


def test_assets_are_compressed_but_pages_are_not(client, app):
    import json
    from pathlib import Path

    manifest = json.loads((Path(app.static_folder) / "dist" / "manifest.json").read_text())
    css = client.get(f"/static/dist/{manifest['portal.css']}", headers={"Accept-Encoding": "br"})
    assert css.headers["Content-Encoding"] == "br"
    css.close()
    # Pages hold CSRF tokens next to reflected input: never compressed (BREACH).
    page = client.get("/services?q=pothole", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in page.headers
