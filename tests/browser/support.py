"""Helpers for tests that drive headless Chromium against a live portal.

- ``LiveServer``: the app from ``create_app(settings)`` served by werkzeug on 127.0.0.1 in a
  background thread, on a free port.
- ``make_driver()``: a headless Chromium, JavaScript on or off, at a given window size, with a
  fresh profile each time.
- ``answer_page()`` and the ``fill_*`` / ``choose`` helpers: answer a question page the way a
  person would, by typing into fields and clicking labels.
- ``SAMPLE_ANSWERS`` / ``sample_answer()``: an answer for any question of the catalog, chosen so
  that conditional questions are asked rather than skipped.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from flask import Flask
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from portal import create_app

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
PHONE = (375, 812)
DESKTOP = (1280, 900)
WAIT_SECONDS = 10
POLL_SECONDS = 0.02
PROFILES: dict[int, str] = {}  # driver id -> its temporary profile folder


# --------------------------------------------------------------------------------------------
# The live server


class LiveServer:
    """The portal served over HTTP on 127.0.0.1, in a daemon thread."""

    def __init__(self, settings: dict):
        self.app: Flask = create_app(settings)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )

    def start(self) -> LiveServer:
        # One log line per request drowns the test output; errors are still logged by the app.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self.app.extensions["db_engine"].dispose()

    def __call__(self, path: str = "/", **query: str) -> str:
        """The absolute URL of a path on this server, with optional query parameters."""
        url = urljoin(self.url + "/", path.lstrip("/"))
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        return url


# --------------------------------------------------------------------------------------------
# Chromium


def make_driver(javascript: bool = True, size: tuple[int, int] = DESKTOP) -> WebDriver:
    """A headless Chromium with a fresh profile. Call ``quit_driver()`` when done."""
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(program):
            raise RuntimeError(
                f"{program} is missing: run scripts/ensure-chromium (Debian packages "
                "chromium and chromium-driver), or set CHROMIUM_BINARY and CHROMEDRIVER."
            )
    profile = tempfile.mkdtemp(prefix="portal-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_argument("--lang=en-US")
    prefs = {"intl.accept_languages": "en-US,en"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    PROFILES[id(driver)] = profile
    set_viewport(driver, *size)
    return driver


def quit_driver(driver: WebDriver) -> None:
    """Quit Chromium and delete its temporary profile."""
    try:
        driver.quit()
    finally:
        profile = PROFILES.pop(id(driver), None)
        if profile:
            shutil.rmtree(profile, ignore_errors=True)


def set_viewport(driver: WebDriver, width: int, height: int) -> None:
    """Make the page's viewport (not the outer window) ``width`` × ``height`` CSS pixels."""
    driver.set_window_size(width, height)
    inner, settled = None, 0
    for _ in range(200):
        now = tuple(driver.execute_script("return [window.innerWidth, window.innerHeight];"))
        if now == (width, height):
            return
        # The resize reaches the page a moment later; once the size holds still, what is left is
        # the window's own bars and borders: grow the window by that much.
        settled = settled + 1 if now == inner else 0
        inner = now
        if settled == 3:
            size = driver.get_window_size()
            driver.set_window_size(
                size["width"] + max(width - now[0], 0), size["height"] + max(height - now[1], 0)
            )
            settled = 0
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"cannot make the viewport {width}×{height}; it is {inner}")


def reset(driver: WebDriver, size: tuple[int, int] = DESKTOP) -> None:
    """Forget cookies (drafts, language, tracked requests) and set the viewport size."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    set_viewport(driver, *size)


def translate(app: Flask, locale: str, message: str, **params: Any) -> str:
    """``message`` as the app's compiled catalog has it in ``locale`` (English if untranslated)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context("/"), force_locale(locale):
        return gettext(message, **params)


def error_title_parts(app: Flask, locale: str) -> tuple[str, str]:
    """The translated "Error: %(title)s" split around the page's own title."""
    before, _, after = translate(app, locale, "Error: %(title)s", title="\x00").partition("\x00")
    return before, after


# --------------------------------------------------------------------------------------------
# Reading pages (these work with JavaScript off: WebDriver's own scripts still run)


def path_of(driver: WebDriver) -> str:
    return urlsplit(driver.current_url).path


def wait(driver: WebDriver, timeout: float = WAIT_SECONDS) -> WebDriverWait:
    """A wait that polls often and retries through the errors Chromium gives mid-navigation
    (such as "uniqueContextId not found")."""
    return WebDriverWait(
        driver, timeout, poll_frequency=POLL_SECONDS, ignored_exceptions=(WebDriverException,)
    )


def wait_for_path(driver: WebDriver, path: str, timeout: float = WAIT_SECONDS) -> None:
    wait(driver, timeout).until(
        lambda d: path_of(d) == path, message=f"expected {path}, still on {driver.current_url}"
    )


def _gone(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False


def wait_for_new_page(driver: WebDriver, old: WebElement, timeout: float = WAIT_SECONDS) -> None:
    """Wait until the page that held ``old`` has been replaced (after a submit or a link)."""
    wait(driver, timeout).until(lambda d: _gone(old), message=f"still on {driver.current_url}")
    wait(driver, timeout).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def h1_text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text.strip()


def error_summary(driver: WebDriver) -> WebElement | None:
    found = driver.find_elements(By.CSS_SELECTOR, '[data-module="error-summary"]')
    return found[0] if found else None


def error_links(driver: WebDriver) -> list[tuple[str, str]]:
    """(text, target id) of each link in the error summary."""
    summary = error_summary(driver)
    if summary is None:
        return []
    return [
        (a.text.strip(), (a.get_attribute("href") or "").split("#", 1)[-1])
        for a in summary.find_elements(By.TAG_NAME, "a")
    ]


def main_form(driver: WebDriver) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, "main form[method=post]")


# --------------------------------------------------------------------------------------------
# Filling in fields like a person


PASTE_LONGER_THAN = 200


def fill_text(driver: WebDriver, field_id: str, value: str) -> None:
    """Click into a text field, clear it and type ``value`` (a long text is pasted, then the last
    character typed, as people do with text written elsewhere)."""
    element = driver.find_element(By.ID, field_id)
    element.clear()
    if len(value) > PASTE_LONGER_THAN:
        driver.execute_script("arguments[0].value = arguments[1];", element, value[:-1])
        value = value[-1]
    if value:
        element.send_keys(value)


def _label_for(driver: WebDriver, field_id: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'label[for="{field_id}"]')


def _click(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def choose(driver: WebDriver, name: str, value: str) -> None:
    """Select the radio button (or tick the checkbox) with this value by clicking its label."""
    box = driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
    if not box.is_selected():
        _click(driver, _label_for(driver, box.get_attribute("id")))
    assert box.is_selected(), f"{name}={value} is not selected"


def choose_only(driver: WebDriver, name: str, values: list[str]) -> None:
    """Tick exactly these checkboxes."""
    for box in driver.find_elements(By.CSS_SELECTOR, f'input[name="{name}"]'):
        wanted = box.get_attribute("value") in values
        if box.is_selected() != wanted:
            _click(driver, _label_for(driver, box.get_attribute("id")))


def submit(driver: WebDriver) -> None:
    """Press the page's main button and wait for the next page."""
    form = main_form(driver)
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    _click(driver, button)
    wait_for_new_page(driver, button)


def fill_date(driver: WebDriver, day: str, month: str, year: str, time: str | None = None) -> None:
    fill_text(driver, "day", day)
    fill_text(driver, "month", month)
    fill_text(driver, "year", year)
    if time is not None:
        fill_text(driver, "time", time)


def fill_address(driver: WebDriver, value: dict[str, str]) -> None:
    for part in ("street", "city", "zip"):
        fill_text(driver, part, value.get(part, ""))
    if value.get("latitude") or value.get("longitude"):
        driver.find_element(By.CSS_SELECTOR, "details.portal-details summary").click()
        fill_text(driver, "latitude", value.get("latitude", ""))
        fill_text(driver, "longitude", value.get("longitude", ""))


def fill_answer(driver: WebDriver, datatype: str, value: Any) -> None:
    """Put ``value`` (in the shape stored for the datatype) into the page's fields."""
    if datatype == "address":
        fill_address(driver, value or {})
    elif datatype in ("yesno", "singlevaluelist"):
        if value:
            choose(driver, "value", value)
    elif datatype == "multivaluelist":
        choose_only(driver, "value", list(value or []))
    elif datatype in ("date", "datetime"):
        value = value or {}
        fill_date(
            driver,
            value.get("day", ""),
            value.get("month", ""),
            value.get("year", ""),
            value.get("time") if datatype == "datetime" else None,
        )
    else:  # string, text, number, money, email, phone
        fill_text(driver, "value", value or "")


def answer_page(driver: WebDriver, datatype: str, value: Any) -> None:
    """Answer the question page that is showing, and continue to the next page."""
    fill_answer(driver, datatype, value)
    submit(driver)


def fill_contact(
    driver: WebDriver, name: str = "", email: str = "", phone: str = "", channel: str | None = None
) -> None:
    """Fill in the contact page: name, email, phone and how to hear from us (e.g. "email")."""
    fill_text(driver, "name", name)
    fill_text(driver, "email", email)
    fill_text(driver, "phone", phone)
    if channel:
        box = main_form(driver).find_element(
            By.CSS_SELECTOR, f'input[type=radio][value="{channel}"]'
        )
        choose(driver, box.get_attribute("name"), channel)


# --------------------------------------------------------------------------------------------
# Answers for any question of the catalog

SAMPLE_ANSWERS: dict[str, Any] = {
    "address": {"street": "12 Main Street", "city": "Riverton", "zip": "20500"},
    "string": "Blue Toyota car",
    "text": "It is next to the bus stop.",
    "number": "2",
    "money": "25.50",
    "email": "ana@example.com",
    "phone": "202 555 0143",
    "date": {"day": "3", "month": "4", "year": "2025"},
    "datetime": {"day": "3", "month": "4", "year": "2025", "time": "22:15"},
    "yesno": "no",
}


CHOICE_TYPES = ("yesno", "singlevaluelist", "multivaluelist")


def _candidates(question) -> list[Any]:
    """Every single answer a choice question can be given, "no" first for yes/no questions."""
    keys = ["no", "yes"] if question.datatype == "yesno" else [k for k, _ in question.values("en")]
    return [[k] for k in keys] if question.datatype == "multivaluelist" else keys


def answers_before(definition, question) -> dict[str, Any]:
    """``sample_answer()`` to every question asked before ``question``."""
    answers: dict[str, Any] = {}
    for _ in range(len(definition.questions)):
        pending = [q for q in definition.route(answers) if not q.is_exit and q.code not in answers]
        if not pending or pending[0].code == question.code:
            break
        answers[pending[0].code] = sample_answer(definition, pending[0], answers)
    return answers


def sample_answer(definition, question, answers: dict[str, Any] | None = None) -> Any:
    """An answer to ``question`` that keeps the report going and asks the most questions.

    For a choice, each possible answer is tried against the definition's own routing: an answer
    that leads to an exit page is avoided, and one that makes later questions appear is preferred.
    ``answers`` are the answers given so far (by default, ``sample_answer()`` to the earlier
    questions).
    """
    datatype = question.datatype
    if datatype in CHOICE_TYPES:
        if answers is None:
            answers = answers_before(definition, question)
        best = None
        for candidate in _candidates(question):
            trial = {**answers, question.code: candidate}
            if definition.exit_reached(trial):
                continue
            asked = sum(1 for q in definition.route(trial) if not q.is_exit)
            if best is None or asked > best[0]:
                best = (asked, candidate)
        return best[1] if best else _candidates(question)[0]
    if datatype in ("string", "text") and question.max_length < len(SAMPLE_ANSWERS[datatype]):
        return SAMPLE_ANSWERS[datatype][: question.max_length]
    if datatype in ("number", "money") and question.minimum is not None:
        return str(max(int(question.minimum), 1))
    return SAMPLE_ANSWERS[datatype]


def question_code(driver: WebDriver, service: str) -> str | None:
    """The code of the question page showing, or None when it is not one of ``service``'s pages."""
    parts = path_of(driver).strip("/").split("/")
    if len(parts) == 4 and parts[:2] == ["report", service] and parts[2] == "q":
        return parts[3]
    return None


def answer_until(driver: WebDriver, definition, stop: str | None = None) -> list[str]:
    """Answer question pages with ``sample_answer()`` from the page showing until the page
    ``stop`` (or, with None, until the pages run out). Returns the codes answered."""
    answered = []
    for _ in range(len(definition.questions) + 1):
        code = question_code(driver, definition.code)
        if code is None or code == stop:
            return answered
        question = definition.question(code)
        if question.is_exit:
            raise AssertionError(f"{definition.code}: reached the exit page {code}")
        answer_page(driver, question.datatype, sample_answer(definition, question))
        answered.append(code)
    raise AssertionError(f"{definition.code}: the pages did not end ({driver.current_url})")


def wrong_answer(question) -> Any:
    """An answer the page refuses: empty when the question is required, else one out of range."""
    datatype = question.datatype
    if question.required:
        return {"address": {}, "multivaluelist": [], "date": {}, "datetime": {}}.get(datatype, "")
    return {
        "address": {"street": "12 Main Street", "zip": "ABCDE"},
        "date": {"day": "31", "month": "2", "year": "2025"},
        "datetime": {"day": "31", "month": "2", "year": "2025", "time": "25:00"},
        "number": "many",
        "money": "lots",
        "email": "not an email",
        "phone": "call me",
        "text": "x" * (question.max_length + 1),
        "string": "x" * (question.max_length + 1),
    }.get(datatype)


def exit_answers(definition) -> list[tuple[Any, Any, Any]]:
    """(exit page, the question leading to it, the answer that does) for each exit page that an
    answer to a choice question on the sample route leads to."""
    out = []
    for exit_page in (q for q in definition.questions if q.is_exit):
        found = None
        for decider in definition.questions:
            if decider.code == exit_page.code:
                break
            if found or decider.datatype not in CHOICE_TYPES:
                continue
            before = answers_before(definition, decider)
            if decider not in definition.route(before):
                continue
            for candidate in _candidates(decider):
                reached = definition.exit_reached({**before, decider.code: candidate})
                if reached is not None and reached.code == exit_page.code:
                    found = (exit_page, decider, candidate)
                    break
        if found:
            out.append(found)
    return out
