"""Staff journeys in a real browser, beyond signing in: a caseworker takes the next case and asks
the resident for more information, previewing the message first, by keyboard alone (Tab, arrows,
Enter and Space; the focus seen at every stop); a contact-centre agent enters a pothole for a caller
on a phone-sized screen with JavaScript off, and the caller's receipt is queued as a Spanish text."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from .. import factories
from ..factories import STAFF_PASSWORD
from ..staff import casework, current_code
from .support import (
    answer_page,
    choose,
    error_summary,
    fill_address,
    fill_text,
    h1_text,
    path_of,
    queued,
    reset_rate_limits,
    submit,
    wait_for_path,
)
from .test_keyboard import Keyboard, button, field, link_to

pytestmark = pytest.mark.browser
REFERENCE = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}")


def keyboard_sign_in(keys: Keyboard, member) -> None:
    keys.tab_to(field("email"))
    keys.type(member.email)
    keys.tab_to(field("password"))
    keys.type(STAFF_PASSWORD)
    keys.tab_to(button)
    keys.activate()
    wait_for_path(keys.driver, "/staff/sign-in/code")
    keys.tab_to(field("code"))
    keys.type(current_code(member))
    keys.tab_to(button)
    keys.activate()


def named(name: str, value: str):
    return lambda f: f["tag"] == "button" and f["name"] == name and f["value"] == value


def test_a_caseworker_takes_the_next_case_and_asks_for_information_by_keyboard(js_browser, live_server):
    reset_rate_limits()
    driver, app = js_browser, live_server.app
    work = casework(app, "journey-keys", resident_locale="es")
    keys = Keyboard(driver)
    driver.get(live_server("/staff/sign-in"))
    keyboard_sign_in(keys, work.member)
    wait_for_path(driver, "/staff/")

    # Take the next case: it opens, assigned to the member.
    keys.tab_to(lambda f: f["tag"] == "button" and f["text"] == "Take the next case")
    keys.activate()
    taken = path_of(driver)
    assert re.fullmatch(rf"/staff/cases/{REFERENCE.pattern}", taken), taken
    history = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=history-heading]").text
    assert "Assigned to Casey Worker" in history

    # A case being reviewed (the neighbour's, shared by a colleague): ask for more information.
    driver.get(live_server(f"/staff/cases/{work.neighbour}"))
    act = f"/staff/cases/{work.neighbour}/act/request_information"
    keys.tab_to(link_to(rf"{re.escape(act)}$"))
    keys.activate()
    wait_for_path(driver, act)
    question = "Which lane is the hole in, and which way does the traffic go?"
    keys.tab_to(field("public_note"))
    keys.type(question)
    keys.tab_to(named("preview", "1"))
    keys.activate()
    wait_for_path(driver, act)
    preview = driver.find_element(By.TAG_NAME, "main").text
    assert "What the resident will receive" in preview and question in preview
    assert not queued(app, "info_requested", email="bo.journey-keys@example.com")  # nothing sent yet

    keys.tab_to(named("send", "1"))
    keys.activate()
    wait_for_path(driver, f"/staff/cases/{work.neighbour}")
    sent = queued(app, "info_requested", email="bo.journey-keys@example.com")
    assert len(sent) == 1
    assert question in driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=history-heading]").text


def test_an_agent_enters_a_pothole_for_a_caller_without_javascript(nojs_browser, live_server):
    reset_rate_limits()
    driver, app = nojs_browser, live_server.app
    agent = factories.staff_member(app, "agent.nojs@riverton.example", name="Avery Agent",
                                   roles=("contact_centre",))
    driver.get(live_server("/staff/sign-in"))
    assert driver.execute_script("return window.innerWidth") == 375
    fill_text(driver, "email", agent.email)
    fill_text(driver, "password", STAFF_PASSWORD)
    submit(driver)
    wait_for_path(driver, "/staff/sign-in/code")
    fill_text(driver, "code", current_code(agent))
    submit(driver)
    wait_for_path(driver, "/staff/")

    link = driver.find_element(By.CSS_SELECTOR, "a[href$='/staff/enter/']")  # in the staff navigation
    link.click()
    wait_for_path(driver, "/staff/enter/")
    link = driver.find_element(By.CSS_SELECTOR, "main a[href$='/staff/enter/pothole']")
    link.click()
    wait_for_path(driver, "/staff/enter/pothole")
    choose(driver, "channel", "phone")
    choose(driver, "locale", "es")
    submit(driver)

    wait_for_path(driver, "/staff/enter/pothole/q/location")
    submit(driver)  # the resident's own validation, sent empty
    assert path_of(driver) == "/staff/enter/pothole/q/location"
    assert error_summary(driver) is not None
    fill_address(driver, {"street": "12 Main Street", "city": "Riverton", "zip": "20500"})
    submit(driver)
    wait_for_path(driver, "/staff/enter/pothole/q/position")
    answer_page(driver, "singlevaluelist", "traffic_lane")
    wait_for_path(driver, "/staff/enter/pothole/q/size")
    answer_page(driver, "singlevaluelist", "medium")
    wait_for_path(driver, "/staff/enter/pothole/q/first_seen")
    answer_page(driver, "date", {})
    wait_for_path(driver, "/staff/enter/pothole/q/details")
    answer_page(driver, "text", "Un bache profundo junto a la parada del autobús.")

    wait_for_path(driver, "/staff/enter/pothole/resident")
    link = driver.find_element(By.CSS_SELECTOR, "main a[href$='/staff/enter/pothole/resident/details']")
    link.click()  # a new caller: record their details
    wait_for_path(driver, "/staff/enter/pothole/resident/details")
    fill_text(driver, "name", "Rosa Vega")
    fill_text(driver, "phone", "202 555 0177")
    choose(driver, "channel", "text")
    choose(driver, "locale", "es")
    choose(driver, "consent", "yes")
    submit(driver)

    wait_for_path(driver, "/staff/enter/pothole/check")
    assert "Rosa Vega" in driver.find_element(By.TAG_NAME, "main").text
    submit(driver)
    reference = REFERENCE.search(h1_text(driver) + driver.find_element(By.TAG_NAME, "main").text).group(0)
    receipt, = [n for n in queued(app, "case_received") if n.recipient.get("phone") == "+12025550177"]
    assert (receipt.channel, receipt.locale) == ("sms", "es")
    assert receipt.case_id is not None and reference
