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
    app = create_app({**_schema, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40,
                      "PUBLIC_BASE_URL": "https://localhost"})
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


PUBLIC = "https://portal.riverton.example"


def test_links_on_pages_come_from_the_public_address_not_the_host_header(_schema, tmp_path):
    from ..conftest import _clean, post_form
    from ..helpers import answer

    app = create_app({**_schema, "PUBLIC_BASE_URL": PUBLIC})
    _clean(app)

    def from_evil(client):
        """Every request of this client names Host: evil.example."""
        send = client.open
        client.open = lambda *args, **kwargs: send(*args, **kwargs, headers={"Host": "evil.example"})
        return client

    client = from_evil(app.test_client())
    report_pothole(client)
    confirmation = client.get(submit(client).location).get_data(as_text=True)
    assert f'href="{PUBLIC}/track/t/' in confirmation and "evil.example" not in confirmation
    client = from_evil(app.test_client())
    answer(client, "pothole", "location", {"street": "1 Main St"})
    code = post_form(client, "/report/pothole/save", {"how": "code"}).get_data(as_text=True)
    assert f'href="{PUBLIC}/report/resume"' in code and "evil.example" not in code
    app.extensions["db_engine"].dispose()


def test_no_link_is_built_from_the_request():
    """Full links come from PUBLIC_BASE_URL only (portal.web.urls.public_url)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    checks_the_host = root / "portal" / "web" / "security.py"  # reads the Host only to refuse it
    pattern = re.compile(r"_external\s*=\s*True|url_root|host_url|request\.host\b|request\.url\b")
    found = [f"{path.relative_to(root)}:{number}"
             for folder in ("portal", "templates") for path in sorted((root / folder).rglob("*"))
             if path.suffix in {".py", ".html", ".txt"} and path != checks_the_host
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if pattern.search(line)]
    assert not found, found


@pytest.mark.parametrize(("host", "status"), [
    ("portal.riverton.example", 200), ("evil.example", 400), ("portal.riverton.example.evil.example", 400),
    ("10.0.0.7:8000", 200), ("10.0.0.8", 400),
])
def test_production_answers_only_for_its_own_host_names(_schema, host, status):
    app = create_app({**_schema, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40,
                      "PUBLIC_BASE_URL": PUBLIC, "EXTRA_HOSTS": ["10.0.0.7"]})
    client = app.test_client()
    for method, url in [("get", "/"), ("get", "/account"), ("post", "/report/pothole/q/location"),
                        ("get", "/healthz"), ("get", "/nope")]:
        response = getattr(client, method)(url, base_url=f"https://{host}")
        expected = status if status == 400 or url != "/nope" else 404
        if status == 200 and url == "/account":
            expected = 302
        if status == 200 and method == "post":
            expected = 400  # no CSRF token: the form expired page
        assert response.status_code == expected, (method, url)
        if status == 400:
            body = response.get_data(as_text=True)
            assert "Traceback" not in body and host not in body
    app.extensions["db_engine"].dispose()


def test_extra_host_names_are_read_from_the_environment(monkeypatch, _schema):
    from portal import config

    monkeypatch.setenv("EXTRA_HOSTS", " health.internal , 10.0.0.7 ")
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC + "/")
    settings = config.load({**_schema, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40})
    assert settings["ALLOWED_HOSTS"] == ["portal.riverton.example", "health.internal", "10.0.0.7"]
    development = config.load({**_schema, "PORTAL_ENV": "development"})
    assert development["ALLOWED_HOSTS"] is None

