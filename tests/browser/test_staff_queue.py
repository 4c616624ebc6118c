"""The staff queue in Chromium: signed in by password and code, it fits 320 CSS
px without scrolling sideways (the table stacks), passes axe-core in a left-to-right and a
right-to-left language, and "Take the next case" and the table's region work from the keyboard."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from accessibility.audit import AXE_SCRIPT

from .. import factories
from ..staff import current_code
from .support import fill_text, reset, submit, wait_for_new_page

pytestmark = pytest.mark.browser

NARROW = (320, 640)
WIDTHS = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"


def sign_in(driver, server, member) -> None:
    driver.get(server("/staff/sign-in"))
    fill_text(driver, "email", member.email)
    fill_text(driver, "password", factories.STAFF_PASSWORD)
    submit(driver)
    fill_text(driver, "code", current_code(member))
    submit(driver)


def axe_violations(driver) -> list[dict]:
    """axe-core on the page, run through the DevTools protocol (the page's CSP allows no eval)."""
    source = AXE_SCRIPT.read_text(encoding="utf-8")
    found = driver.execute_cdp_cmd("Runtime.evaluate", {
        "expression": source + ";\naxe.run(document).then(r => JSON.stringify(r.violations.map("
                               "v => ({id: v.id, nodes: v.nodes.map(n => n.html)}))))",
        "awaitPromise": True, "returnByValue": True})
    return json.loads(found["result"]["value"])


def test_the_queue_at_320_px(app, js_browser, live_server):
    member = factories.staff_member(app, "sup@riverton.example", roles=("supervisor",), name="Sam Supervisor")
    factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large", position="crosswalk"),
                   contact={"preferred_channel": "post", "large_print": True, "interpreter_language": "Somali"})
    factories.case(app, "pothole", "in_review", locale="ar")
    factories.case(app, "damaged-sidewalk")
    reset(js_browser, NARROW)
    sign_in(js_browser, live_server, member)
    for locale in ("en", "ar"):
        js_browser.get(live_server("/staff/", view="all", lang=locale))
        assert len(js_browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 3
        width, viewport = js_browser.execute_script(WIDTHS)
        assert width <= viewport, f"{locale}: {width} px wide in a {viewport} px viewport"
        assert axe_violations(js_browser) == [], locale

    # The table's region takes focus from the keyboard; the take button is a real button.
    region = js_browser.find_element(By.CSS_SELECTOR, ".portal-staff-queue__scroll")
    assert region.get_attribute("tabindex") == "0"
    js_browser.get(live_server("/staff/"))
    button = js_browser.find_element(By.CSS_SELECTOR, "#take-next button")
    button.send_keys(Keys.ENTER)
    wait_for_new_page(js_browser, button)
    assert "/staff/cases/" in js_browser.current_url
