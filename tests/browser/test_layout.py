"""Layout at 320 CSS px (400% zoom of a 1280 px window), and the language links.

Every page template, in a left-to-right and a right-to-left language, fits 320 px without
scrolling sideways, with every <details> open and in its error state where it has one.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from .support import (
    PHONE,
    answer_page,
    answer_until,
    fill_contact,
    fill_text,
    h1_text,
    path_of,
    reset,
    sample_answer,
    submit,
    translate,
    wait_for_new_page,
    wait_for_path,
)

pytestmark = pytest.mark.browser

NARROW = (320, 640)

MEASURE = r"""
const opened = Array.from(document.querySelectorAll('details:not([open])'));
opened.forEach(d => d.open = true);
const root = document.documentElement;
const result = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                innerWidth: window.innerWidth};
opened.forEach(d => d.open = false);
return result;
"""


class Layout:
    def __init__(self, driver):
        self.driver = driver
        self.seen: list[str] = []
        self.problems: list[str] = []

    def check(self, label: str) -> None:
        size = self.driver.execute_script(MEASURE)
        assert size["innerWidth"] == NARROW[0], size
        self.seen.append(label)
        if size["scrollWidth"] > size["clientWidth"]:
            self.problems.append(
                f"{label} ({path_of(self.driver)}): {size['scrollWidth']} px wide "
                f"in a {size['clientWidth']} px viewport"
            )


def follow(driver, css: str) -> None:
    link = driver.find_element(By.CSS_SELECTOR, css)
    link.click()
    wait_for_new_page(driver, link)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_no_page_template_scrolls_sideways_at_320px(js_browser, live_server, locale):
    driver = js_browser
    reset(driver, NARROW)
    catalog = live_server.app.extensions["catalog"]
    layout = Layout(driver)

    def go(path: str, **query: str) -> None:
        driver.get(live_server(path, lang=locale, **query))

    for path, label in (
        ("/", "home"),
        ("/services", "services"),
        ("/help", "help"),
        ("/accessibility", "accessibility statement"),
        ("/privacy", "privacy"),
        ("/no-such-page", "error page"),
    ):
        go(path)
        layout.check(label)
    go("/services", q=catalog.service("pothole").name(locale))
    layout.check("search results")
    go("/services", q="zzzz")
    layout.check("no search results")
    go("/services", q="pothole " * 13)
    layout.check("search with an error")

    # Pothole: start, address (empty and with errors), radios, date, text, contact, check...
    pothole = catalog.service("pothole")
    go("/report/pothole")
    layout.check("start page")
    follow(driver, "main a.usa-button")
    layout.check("address question")
    submit(driver)
    layout.check("address question with errors")
    answer_page(driver, "address", sample_answer(pothole, pothole.question("location")))
    layout.check("radio question")
    answer_until(driver, pothole, "first_seen")
    layout.check("date question")
    answer_page(driver, "date", {"day": "31", "month": "2", "year": "2025"})
    layout.check("date question with errors")
    answer_until(driver, pothole, "details")
    layout.check("long text question")
    answer_until(driver, pothole)
    wait_for_path(driver, "/report/pothole/contact")
    layout.check("contact page")
    fill_contact(driver, channel="email")
    submit(driver)
    layout.check("contact page with errors")
    fill_contact(driver, name="Ana Díaz", email="ana@example.com", channel="email")
    submit(driver)
    wait_for_path(driver, "/report/pothole/check")
    layout.check("check answers")
    go("/report/pothole")
    layout.check("start page, already started")
    go("/report/pothole/check")
    submit(driver)
    wait_for_path(driver, "/report/pothole/confirmation")
    layout.check("confirmation")
    reference = driver.find_element(By.CSS_SELECTOR, ".portal-reference__number").text.strip()

    go("/track")
    layout.check("track a request")
    submit(driver)
    layout.check("track a request with errors")
    fill_text(driver, "reference", reference)
    fill_text(driver, "contact", "ana@example.com")
    submit(driver)
    wait_for_path(driver, f"/track/case/{reference}")
    layout.check("request status")

    # Other kinds of question: a short text, checkboxes, a number, a date and time; an exit page.
    vehicle = catalog.service("abandoned-vehicle")
    go("/report/abandoned-vehicle/q/location")
    answer_until(driver, vehicle, "vehicle_description")
    layout.check("short text question")
    answer_until(driver, vehicle, "condition")
    layout.check("checkbox question")
    streetlight = catalog.service("streetlight-out")
    go("/report/streetlight-out/q/problem")
    answer_until(driver, streetlight, "how_many")
    layout.check("number question")
    go("/report/streetlight-out/q/problem")
    answer_page(driver, "singlevaluelist", "wires")
    wait_for_path(driver, "/report/streetlight-out/q/call_911")
    layout.check("exit page")
    noise = catalog.service("noise")
    go("/report/noise/q/danger")
    answer_until(driver, noise, "when_happened")
    layout.check("date and time question")
    submit(driver)
    layout.check("date and time question with errors")

    assert layout.problems == [], "\n".join(layout.problems)


def test_language_links_work_without_javascript_and_are_remembered(nojs_browser, live_server):
    driver, app = nojs_browser, live_server.app
    reset(driver, PHONE)
    driver.get(live_server("/services", q="pothole"))
    html = driver.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "en"

    follow(driver, "nav a[hreflang=ar]")
    html = driver.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert path_of(driver) == "/services" and "q=pothole" in driver.current_url  # same page
    current = driver.find_element(By.CSS_SELECTOR, "nav a[aria-current]")
    assert current.get_attribute("hreflang") == "ar" and current.get_attribute("lang") == "ar"

    # The next page, reached by a link without ?lang=, stays in Arabic.
    follow(driver, "footer a[href='/help']")
    assert path_of(driver) == "/help"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ar"
    assert h1_text(driver) == translate(app, "ar", "Help and contact")

    follow(driver, "nav a[hreflang=es]")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr"
    driver.get(live_server("/privacy"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert h1_text(driver) == translate(app, "es", "Privacy notice")
