"""What a resident typed keeps its own direction on a right-to-left page.

In Arabic, "100 Main Street" must show as typed on check your answers, not "Main Street 100", and
"(202) 555-0100" not "555-0100 (202)". Chromium lays the page out; the test measures where each
word lands on the screen, so it fails whenever the words come out in the wrong order.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from ..helpers import GUEST_CONTACT, POTHOLE_ANSWERS
from .support import Http

pytestmark = pytest.mark.browser

STREET = "100 Main Street"
PHONE_TYPED = "202 555 0100"
PHONE_SHOWN = "(202) 555-0100"

# The left edge, in CSS pixels, of each of `words` where it is drawn inside `root`: a Range over the
# word's characters in the text node that holds it, measured by the layout engine.
LEFT_EDGES = r"""
const [root, words] = arguments;
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
const edges = {};
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  for (const word of words) {
    const at = node.data.indexOf(word);
    if (at < 0 || word in edges) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    edges[word] = range.getBoundingClientRect().left;
  }
}
return words.map(word => edges[word] ?? null);
"""


def left_edges(driver, element, words: list[str]) -> list[float]:
    edges = driver.execute_script(LEFT_EDGES, element, words)
    assert None not in edges, f"not all of {words} are in {element.text!r}"
    return edges


def summary_value(driver, text: str):
    return driver.find_element(By.XPATH, f"//dd[contains(@class, 'portal-summary-list__value')][contains(., '{text}')]")


@pytest.fixture
def arabic_report(live_server):
    """A guest's pothole report at 100 Main Street, answered in Arabic up to check your answers."""
    http = Http(live_server, locale="ar")
    for qcode, data in POTHOLE_ANSWERS:
        http.answer("pothole", qcode, {**data, "street": STREET} if qcode == "location" else data)
    contact = http.post("/report/pothole/contact", {**GUEST_CONTACT, "phone": PHONE_TYPED})
    assert contact.status_code == 302, contact.text[:1000]
    return http


def test_an_arabic_check_answers_page_shows_an_english_address_and_a_phone_number_as_typed(
    js_browser, live_server, arabic_report
):
    driver = js_browser
    arabic_report.to_browser(driver)
    driver.get(live_server("/report/pothole/check"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"

    street = summary_value(driver, STREET)
    number, main, road = left_edges(driver, street, ["100", "Main", "Street"])
    assert number < main < road, f"{STREET!r} is drawn out of order: 100 at {number}, Main at {main}, Street at {road}"

    phone = summary_value(driver, PHONE_SHOWN)
    area, local = left_edges(driver, phone, ["(202)", "555-0100"])
    assert area < local, f"{PHONE_SHOWN!r} is drawn as {'555-0100 (202)'!r}"
    # The markup that does it, for the record: each answer isolated, the phone number left to right.
    assert street.find_element(By.TAG_NAME, "bdi").text == STREET
    assert phone.find_element(By.TAG_NAME, "bdi").get_attribute("dir") == "ltr"


def test_arabic_fields_edit_an_english_address_and_a_phone_number_left_to_right(
    js_browser, live_server, arabic_report
):
    driver = js_browser
    arabic_report.to_browser(driver)

    def direction(field_id: str) -> str:
        field = driver.find_element(By.ID, field_id)
        return driver.execute_script("return getComputedStyle(arguments[0]).direction", field)

    driver.get(live_server("/report/pothole/q/location", change="1"))
    assert driver.find_element(By.ID, "street").get_attribute("value") == STREET
    assert direction("street") == "ltr"  # dir="auto": the direction of what is in it
    driver.find_element(By.ID, "street").clear()
    driver.find_element(By.ID, "street").send_keys("شارع 100")
    assert direction("street") == "rtl"  # and Arabic typed in it reads right to left

    driver.get(live_server("/report/pothole/contact", change="1"))
    assert direction("phone") == "ltr"
