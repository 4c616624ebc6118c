"""Choosing the language: ?lang=, the remembered choice, then Accept-Language."""

from __future__ import annotations


def html_lang(response) -> str:
    body = response.get_data(as_text=True)
    start = body.index("<html")
    return body[start:body.index(">", start)]


def test_first_visit_follows_accept_language(client):
    assert 'lang="es"' in html_lang(client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}))
    assert 'lang="en"' in html_lang(client.get("/", headers={"Accept-Language": "de"}))


def test_lang_parameter_selects_and_is_remembered(app):
    client = app.test_client()
    page = client.get("/?lang=ar")
    assert 'lang="ar" dir="rtl"' in html_lang(page)
    assert "portal-rtl" in page.get_data(as_text=True)
    # Remembered on the next page, over the browser's own preference.
    assert 'lang="ar" dir="rtl"' in html_lang(client.get("/services", headers={"Accept-Language": "en"}))
    assert 'lang="en" dir="ltr"' in html_lang(client.get("/services?lang=en"))


def test_language_links_keep_the_page_and_query(client):
    body = client.get("/services?q=pothole").get_data(as_text=True)
    assert 'href="/services?q=pothole&amp;lang=es"' in body
    assert 'hreflang="ar"' in body and 'aria-current="true"' in body
