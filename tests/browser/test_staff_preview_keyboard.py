"""The staff preview of a service by keyboard alone, JavaScript on: a member of staff signs in,
opens the preview from the staff navigation, reaches an exit page and starts the preview again,
never clicking; the banner that says nothing is saved is on every page."""

from __future__ import annotations

import pyotp
import pytest
from selenium.webdriver.common.keys import Keys

from .. import factories
from ..factories import STAFF_PASSWORD
from .support import path_of, reset_rate_limits, wait_for_path
from .test_keyboard import Keyboard, button, field, link_to

pytestmark = pytest.mark.browser
BASE = "/staff/preview/published/streetlight-out"


def banner(driver) -> str:
    return driver.find_element("css selector", "[role=region].portal-preview-banner").get_attribute("aria-label")


def test_preview_a_service_to_its_exit_page_by_keyboard_alone(js_browser, live_server):
    reset_rate_limits()
    member = factories.staff_member(live_server.app, "keys@riverton.example", roles=("caseworker",))
    driver = js_browser
    keys = Keyboard(driver)
    driver.get(live_server("/staff/sign-in"))
    keys.tab_to(field("email"))
    keys.type(member.email)
    keys.tab_to(field("password"))
    keys.type(STAFF_PASSWORD)
    keys.tab_to(button)
    keys.activate()
    wait_for_path(driver, "/staff/sign-in/code")
    keys.tab_to(field("code"))
    keys.type(pyotp.TOTP(member.totp_secret).now())
    keys.tab_to(button)
    keys.activate()
    wait_for_path(driver, "/staff/")

    keys.tab_to(link_to(r"/staff/preview/$"))  # Preview services, in the staff navigation
    keys.activate()
    keys.tab_to(link_to(rf"{BASE}$"))
    keys.activate()
    assert banner(driver)
    keys.tab_to(link_to(rf"{BASE}/q/problem$"))  # Start now
    keys.activate()

    wait_for_path(driver, f"{BASE}/q/problem")
    assert banner(driver)
    keys.tab_to(lambda f: f["type"] == "radio")
    for _ in range(4):  # the fifth answer: wires hanging down
        keys.press(Keys.ARROW_DOWN)
    assert keys.assert_focus_visible()["value"] == "wires"
    keys.tab_to(lambda f: f["tag"] == "button" and f["text"] == "Continue")
    keys.activate()

    wait_for_path(driver, f"{BASE}/q/call_911")
    assert banner(driver)
    keys.tab_to(lambda f: f["tag"] == "button" and "again" in f["text"])  # Start this preview again
    keys.activate()
    wait_for_path(driver, BASE)
    assert path_of(driver) == BASE
