"""The checks run on every page the tests get (tests/page_checks.py) catch what they are for."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.web.security import personal_data

from ..page_checks import Page, form_problems

GOOD = '<!DOCTYPE html><html lang="{lang}" dir="{dir}"><head><title>{title}</title></head><body>{body}</body></html>'


def page(lang="en", dir="ltr", title="A page – Civic Portal", body="<main><h1>A page</h1></main>"):
    return GOOD.format(lang=lang, dir=dir, title=title, body=body)


@pytest.fixture
def site():
    app = Flask(__name__)
    app.config["SHIPPED_LOCALES"] = ["en", "es", "ar"]
    pages = {
        "good": page(),
        "arabic": page(lang="ar", dir="rtl"),
        "two-h1": page(body="<h1>One</h1><h1>Two</h1>"),
        "no-h1": page(body="<p>Nothing</p>"),
        "h1-in-a-comment": page(body="<!-- <h1>x</h1> --><p>Nothing</p>"),
        "empty-title": page(title="  "),
        "arabic-ltr": page(lang="ar", dir="ltr"),
        "spanish-rtl": page(lang="es", dir="rtl"),
        "no-dir": page().replace(' dir="ltr"', ""),
        "unknown-lang": page(lang="fr"),
    }

    @app.get("/<name>")
    def show(name):
        return pages[name]

    @app.get("/personal/<name>")
    @personal_data
    def personal(name):
        response = app.make_response(pages.get(name, '{"name": "Ana"}'))
        if name == "json":
            response.mimetype = "application/json"
        return response

    @app.get("/moved")
    @personal_data
    def moved():
        return "", 302, {"Location": "/good"}

    return app


@pytest.mark.parametrize("name", ["good", "arabic"])
def test_a_good_page_passes(site, name):
    assert site.test_client().get(f"/{name}").status_code == 200


@pytest.mark.parametrize("name, complaint", [
    ("two-h1", "2 <h1> elements"),
    ("no-h1", "0 <h1> elements"),
    ("h1-in-a-comment", "0 <h1> elements"),
    ("empty-title", "no title"),
    ("arabic-ltr", "expected dir='rtl'"),
    ("spanish-rtl", "expected dir='ltr'"),
    ("no-dir", "dir=None"),
    ("unknown-lang", "lang='fr'"),
])
def test_a_page_that_breaks_a_rule_fails(site, name, complaint):
    with pytest.raises(AssertionError, match=complaint):
        site.test_client().get(f"/{name}")


def test_personal_data_needs_no_store_on_pages_and_files(site):
    @site.after_request
    def _cache(response):
        response.headers["Cache-Control"] = "no-cache, private"
        return response

    client = site.test_client()
    for path in ("/personal/good", "/personal/json"):
        with pytest.raises(AssertionError, match="shows personal data"):
            client.get(path)
    assert client.get("/good").status_code == 200  # not personal: no-cache is fine
    assert client.get("/moved").status_code == 302  # a redirect shows nothing


def test_personal_data_sent_with_no_store_passes(site):
    @site.after_request
    def _cache(response):
        response.headers["Cache-Control"] = "no-store"
        return response

    assert site.test_client().get("/personal/good").status_code == 200
    assert site.test_client().get("/personal/json").status_code == 200


def test_the_decorator_marks_the_view():
    @personal_data
    def view():
        return "x"

    assert view.personal_data is True


FIELDSET = ('<div class="usa-form-group{error_class}"><fieldset class="usa-fieldset"{described}>'
            '<legend>Size</legend><div class="usa-hint" id="size-hint">Roughly</div>{error}'
            '<input type="radio" name="size" id="size-0"{invalid}></fieldset></div>')


@pytest.mark.parametrize("html, complaint", [
    (FIELDSET.format(error_class="", described="", error="", invalid=""),
     "fieldset's usa-hint #size-hint is not in its aria-describedby"),
    (FIELDSET.format(error_class=" usa-form-group--error", described=' aria-describedby="size-hint"',
                     error='<span class="usa-error-message" id="size-error">Choose</span>', invalid=' aria-invalid="true"'),
     "fieldset's usa-error-message #size-error is not in its aria-describedby"),
    (FIELDSET.format(error_class=" usa-form-group--error", described=' aria-describedby="size-hint size-error"',
                     error='<span class="usa-error-message" id="size-error">Choose</span>', invalid=""),
     "<input name='size'> has an error but is not aria-invalid"),
    ('<input name="q" aria-describedby="q-hint">', "is described by #q-hint, which is not on the page"),
])
def test_fields_that_hide_their_hint_or_error_from_screen_readers_fail(html, complaint):
    assert complaint in " ".join(form_problems(Page(html)))


def test_fields_wired_up_pass():
    good = FIELDSET.format(error_class=" usa-form-group--error", described=' aria-describedby="size-hint size-error"',
                           error='<span class="usa-error-message" id="size-error">Choose</span>',
                           invalid=' aria-invalid="true"')
    hidden = '<div class="usa-form-group usa-form-group--error"><input type="hidden" name="csrf_token"></div>'
    assert form_problems(Page(good + hidden)) == []
