"""With JavaScript off, on a phone, in Arabic: report a pothole from the home page and track it.

Expected text comes from the service catalog and the app's compiled translations, never from
strings typed into the test.
"""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .support import (
    answer_page,
    choose,
    error_links,
    error_summary,
    error_title_parts,
    fill_address,
    fill_contact,
    h1_text,
    path_of,
    submit,
    translate,
    wait_for_new_page,
    wait_for_path,
)

pytestmark = pytest.mark.browser

LOCALE = "ar"
REFERENCE = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$")


def follow(driver, css: str) -> None:
    link = driver.find_element(By.CSS_SELECTOR, css)
    link.click()
    wait_for_new_page(driver, link)


def assert_arabic_page(driver) -> None:
    html = driver.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl"), (
        driver.current_url
    )


def test_report_a_pothole_in_arabic_without_javascript_and_track_it(nojs_browser, live_server):
    driver, app = nojs_browser, live_server.app
    pothole = app.extensions["catalog"].service("pothole")
    text = pothole.text(LOCALE)

    driver.get(live_server("/", lang=LOCALE))
    assert_arabic_page(driver)
    assert driver.execute_script("return window.innerWidth") == 375
    follow(driver, "main a.usa-button")  # Report a problem
    wait_for_path(driver, "/services")
    assert_arabic_page(driver)  # the choice of language is remembered

    search = driver.find_element(By.ID, "q")
    search.send_keys(text["keywords"][0])
    search.send_keys(Keys.ENTER)
    wait_for_new_page(driver, search)
    results = driver.find_elements(By.CSS_SELECTOR, "main ul a[href$='/report/pothole']")
    assert results and results[0].text.strip() == text["name"]
    follow(driver, "main ul a[href$='/report/pothole']")

    wait_for_path(driver, "/report/pothole")
    assert text["name"] in h1_text(driver)
    follow(driver, "main a.usa-button")  # Start now

    # The first question, sent empty: an error summary and "Error:" in the title.
    wait_for_path(driver, "/report/pothole/q/location")
    location = pothole.question("location")
    assert h1_text(driver) == location.label(LOCALE)
    submit(driver)
    assert path_of(driver) == "/report/pothole/q/location"
    assert error_summary(driver) is not None
    assert error_links(driver) == [(location.text(LOCALE)["error"], "street")]
    before, after = error_title_parts(app, LOCALE)
    assert driver.title.startswith(before) and after in driver.title, driver.title
    assert location.label(LOCALE) in driver.title
    # JavaScript really is off: nothing moved focus to the error summary.
    assert driver.execute_script("return document.activeElement === document.body")
    error = driver.find_element(By.ID, "street-error")
    assert location.text(LOCALE)["error"] in error.text
    assert "street-error" in driver.find_element(By.ID, "street").get_attribute("aria-describedby")

    fill_address(driver, {"street": "12 Main Street", "city": "Riverton", "zip": "20500"})
    submit(driver)
    wait_for_path(driver, "/report/pothole/q/position")
    assert not driver.title.startswith(before)
    answer_page(driver, "singlevaluelist", "traffic_lane")
    wait_for_path(driver, "/report/pothole/q/size")
    answer_page(driver, "singlevaluelist", "medium")
    wait_for_path(driver, "/report/pothole/q/first_seen")
    answer_page(driver, "date", {})  # optional: left empty
    wait_for_path(driver, "/report/pothole/q/details")
    answer_page(driver, "text", "الحفرة قرب موقف الحافلات.")

    wait_for_path(driver, "/report/pothole/contact")
    fill_contact(driver, name="آنا دياز", email="ana@example.com", channel="email")
    submit(driver)

    # Check answers, then change one answer and come back.
    wait_for_path(driver, "/report/pothole/check")
    values = dict(pothole.question("position").values(LOCALE))
    answers = driver.find_element(By.TAG_NAME, "main").text
    assert values["traffic_lane"] in answers and "12 Main Street" in answers
    follow(driver, "a[href*='/report/pothole/q/position?change=1']")
    wait_for_path(driver, "/report/pothole/q/position")
    assert driver.find_element(By.CSS_SELECTOR, "input[value=traffic_lane]").is_selected()
    back = driver.find_element(By.CSS_SELECTOR, "a.portal-back-link").get_attribute("href")
    assert back.endswith("/report/pothole/check")
    choose(driver, "value", "bike_lane")
    submit(driver)
    wait_for_path(driver, "/report/pothole/check")
    answers = driver.find_element(By.TAG_NAME, "main").text
    assert values["bike_lane"] in answers and values["traffic_lane"] not in answers

    submit(driver)  # Send report
    wait_for_path(driver, "/report/pothole/confirmation")
    assert_arabic_page(driver)
    reference = driver.find_element(By.CSS_SELECTOR, ".portal-reference__number").text.strip()
    assert REFERENCE.match(reference), reference
    private_link = driver.find_element(By.CSS_SELECTOR, ".portal-private-link a").get_attribute(
        "href"
    )
    assert "/track/t/" in private_link
    assert text["next_steps"] in driver.find_element(By.TAG_NAME, "main").text

    # Track it with the reference and the email address, typed loosely.
    follow(driver, "footer a[href='/track']")
    wait_for_path(driver, "/track")
    driver.find_element(By.ID, "reference").send_keys(reference.lower().replace("-", " "))
    driver.find_element(By.ID, "contact").send_keys(" ANA@example.com ")
    submit(driver)
    wait_for_path(driver, f"/track/case/{reference}")
    assert_arabic_page(driver)
    received = translate(app, LOCALE, "Received")
    status = driver.find_element(By.ID, "status-heading").text
    assert received in status, status
    assert reference in h1_text(driver)

    # The private link works in a browser that has never seen the report.
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(private_link + f"?lang={LOCALE}")
    assert_arabic_page(driver)
    assert reference in h1_text(driver)
    assert received in driver.find_element(By.ID, "status-heading").text


def test_danger_in_a_noise_report_leads_to_the_911_page(nojs_browser, live_server):
    driver = nojs_browser
    noise = live_server.app.extensions["catalog"].service("noise")
    driver.get(live_server("/report/noise", lang=LOCALE))
    follow(driver, "main a.usa-button")  # Start now
    wait_for_path(driver, "/report/noise/q/danger")
    assert h1_text(driver) == noise.question("danger").label(LOCALE)
    answer_page(driver, "yesno", "yes")

    wait_for_path(driver, "/report/noise/q/call_911")
    assert_arabic_page(driver)
    exit_text = noise.question("call_911").text(LOCALE)
    assert h1_text(driver) == exit_text["label"]
    assert "911" in driver.find_element(By.TAG_NAME, "main").text
    assert exit_text["label"] in driver.title
    assert not driver.find_elements(By.CSS_SELECTOR, "main form")  # nothing to send from here
    # The way back leads to the question, to change the answer.
    back = driver.find_element(By.CSS_SELECTOR, "a.portal-back-link").get_attribute("href")
    assert back.endswith("/report/noise/q/danger")
