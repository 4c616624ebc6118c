"""A member of staff follows a link to a case, signs in with their password and the code of their
authenticator, and goes on to another case of the same resident from a link on the page: with
JavaScript off on a phone, and with JavaScript on by keyboard alone (Tab and Enter, the focus seen
at every stop and moving forward through the page)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from ..factories import STAFF_PASSWORD
from ..staff import casework, current_code
from .support import (
    fill_text,
    h1_text,
    path_of,
    submit,
    translate,
    wait_for_new_page,
    wait_for_path,
)
from .test_bidi import left_edges
from .test_keyboard import MAX_TABS, Keyboard, button, field, link_to

pytestmark = pytest.mark.browser

# Whether the focus moved forward through the page (or is the first stop on it).
FORWARD = r"""
const el = document.activeElement, last = window.portalLastFocus;
window.portalLastFocus = el;
return !last || !document.contains(last) || last === el ||
  !!(last.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
"""


def test_a_member_of_staff_signs_in_and_opens_cases_without_javascript(nojs_browser, live_server):
    driver, app = nojs_browser, live_server.app
    work = casework(app, "nojs", resident_locale="es")
    driver.get(live_server(f"/staff/cases/{work.history}"))  # a link shared by a colleague
    wait_for_path(driver, "/staff/sign-in")
    assert driver.execute_script("return window.innerWidth") == 375
    fill_text(driver, "email", work.member.email)
    fill_text(driver, "password", STAFF_PASSWORD)
    submit(driver)
    wait_for_path(driver, "/staff/sign-in/code")
    fill_text(driver, "code", current_code(work.member))
    submit(driver)

    wait_for_path(driver, f"/staff/cases/{work.history}")  # back at the link followed
    assert work.history in h1_text(driver)
    history = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=history-heading]").text
    assert (
        "Crew 4, two hours." in history
        and translate(app, "en", "Internal note (staff only)") in history
    )

    link = driver.find_element(By.CSS_SELECTOR, f"main a[href$='/staff/cases/{work.plain}']")
    link.click()  # under "Other cases by this resident"
    wait_for_new_page(driver, link)
    assert path_of(driver) == f"/staff/cases/{work.plain}"
    assert work.plain in h1_text(driver)
    assert "Deep hole near the bus stop." in driver.find_element(By.TAG_NAME, "main").text


class ForwardKeyboard(Keyboard):
    """Tab only forward, checking at each stop that the focus is seen and went on down the page."""

    def tab_to(self, wanted, backwards: bool = False) -> dict:
        assert not backwards
        seen = []
        for _ in range(MAX_TABS):
            self.press(Keys.TAB)
            focus = self.assert_focus_visible()
            assert self.driver.execute_script(FORWARD), (
                f"the focus went back up the page to {focus} after {seen} on {self.driver.current_url}"
            )
            if wanted(focus):
                return focus
            seen.append(focus.get("id") or focus.get("href") or focus.get("text") or focus["tag"])
        raise AssertionError(
            f"never reached the element on {self.driver.current_url}; went through {seen}"
        )


def test_a_member_of_staff_signs_in_and_opens_cases_by_keyboard_alone(js_browser, live_server):
    driver = js_browser
    keys = ForwardKeyboard(driver)
    work = casework(live_server.app, "keys", resident_locale="ar")
    driver.get(live_server(f"/staff/cases/{work.history}"))
    wait_for_path(driver, "/staff/sign-in")

    keys.tab_to(field("email"))
    keys.type(work.member.email)
    keys.tab_to(field("password"))
    keys.type(STAFF_PASSWORD)
    keys.tab_to(button)
    keys.activate()

    wait_for_path(driver, "/staff/sign-in/code")
    keys.tab_to(field("code"))
    keys.type(current_code(work.member))
    keys.activate(Keys.ENTER)  # Enter in the field sends the form

    wait_for_path(driver, f"/staff/cases/{work.history}")
    assert work.history in h1_text(driver)
    keys.tab_to(link_to(rf"/staff/cases/{re.escape(work.plain)}$"))  # Other cases by this resident
    keys.activate()
    wait_for_path(driver, f"/staff/cases/{work.plain}")
    assert work.plain in h1_text(driver)
    # The switch to the questions in the member's language is reached by keyboard too.
    keys.tab_to(link_to(r"\?questions=mine$"))
    keys.activate()
    assert path_of(driver) == f"/staff/cases/{work.plain}"
    assert driver.execute_script("return location.search") == "?questions=mine"


def test_a_question_in_english_reads_left_to_right_on_an_arabic_staff_page(js_browser, live_server):
    """The questions of an English case, as the resident saw them, on a member's Arabic page: the
    question mark ends the question ("Where is the pothole?", not "?Where is the pothole")."""
    driver = js_browser
    work = casework(live_server.app, "bidi", resident_locale="en")
    driver.get(live_server("/staff/sign-in", lang="ar"))
    fill_text(driver, "email", work.member.email)
    fill_text(driver, "password", STAFF_PASSWORD)
    submit(driver)
    fill_text(driver, "code", current_code(work.member))
    submit(driver)
    driver.get(live_server(f"/staff/cases/{work.plain}", lang="ar"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    question = driver.find_element(By.CSS_SELECTOR, "dt.portal-summary-list__key[lang=en]")
    label = question.text
    first, mark = label.split()[0], label[-1]
    start, end = left_edges(driver, question, [first, mark])
    assert start < end, f"{label!r} is drawn with {mark!r} at {end}, left of {first!r} at {start}"
