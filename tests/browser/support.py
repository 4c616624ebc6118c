"""Helpers for tests that drive headless Chromium against a live portal.

- ``LiveServer``: the app from ``create_app(settings)`` served by werkzeug on 127.0.0.1 in a
  background thread, on a free port.
- ``make_driver()``: a headless Chromium, JavaScript on or off, at a given window size, with a
  fresh profile each time.
- ``answer_page()`` and the ``fill_*`` / ``choose`` helpers: answer a question page the way a
  person would, by typing into fields and clicking labels.
- ``SAMPLE_ANSWERS`` / ``sample_answer()``: an answer for any question of the catalog, chosen so
  that conditional questions are asked rather than skipped; ``fill_item()`` for an item of a
  repeating group, ``upload()`` and ``sample_files()`` for file questions.
- ``Http``: a plain HTTP client on the live server (CSRF tokens included) for setting up what
  the browser need not walk, with its cookies handed to and from Chromium.
- ``queued()``, ``link_in()``, ``move_case()``, ``short_idle()``: the messages the portal queued,
  a staff member moving a case, and a short idle time limit for signed-in sessions.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests
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
        # Full links (private tracking links, emailed links) are built from the public address.
        self.app.config["PUBLIC_BASE_URL"] = self.url
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
    """The page's form: the first in main that is not a one-button form next to an item of a list
    (Remove, Continue on a saved form)."""
    return driver.find_element(By.CSS_SELECTOR, "main form[method=post]:not(.portal-inline-form)")


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


def fill_date(
    driver: WebDriver, day: str, month: str, year: str, time: str | None = None, prefix: str = ""
) -> None:
    fill_text(driver, f"{prefix}day", day)
    fill_text(driver, f"{prefix}month", month)
    fill_text(driver, f"{prefix}year", year)
    if time is not None:
        fill_text(driver, f"{prefix}time", time)


def fill_address(driver: WebDriver, value: dict[str, str], prefix: str = "") -> None:
    for part in ("street", "city", "zip"):
        fill_text(driver, f"{prefix}{part}", value.get(part, ""))
    if value.get("latitude") or value.get("longitude"):
        driver.find_element(By.CSS_SELECTOR, "details.portal-details summary").click()
        fill_text(driver, f"{prefix}latitude", value.get("latitude", ""))
        fill_text(driver, f"{prefix}longitude", value.get("longitude", ""))


def tick(driver: WebDriver, field_id: str, ticked: bool = True) -> None:
    """Tick (or untick) one checkbox by clicking its label."""
    box = driver.find_element(By.ID, field_id)
    if box.is_selected() != ticked:
        _click(driver, _label_for(driver, field_id))
    assert box.is_selected() == ticked, f"{field_id} is not {'ticked' if ticked else 'unticked'}"


def fill_answer(driver: WebDriver, datatype: str, value: Any, prefix: str = "") -> None:
    """Put ``value`` (in the shape stored for the datatype) into the page's fields. ``prefix`` is
    the start of the field names inside an item of a repeating group (e.g. "member_name-")."""
    if datatype == "address":
        fill_address(driver, value or {}, prefix)
    elif datatype in ("yesno", "singlevaluelist"):
        if value:
            choose(driver, f"{prefix}value", value)
    elif datatype == "multivaluelist":
        choose_only(driver, f"{prefix}value", list(value or []))
    elif datatype in ("date", "datetime"):
        value = value or {}
        fill_date(
            driver,
            value.get("day", ""),
            value.get("month", ""),
            value.get("year", ""),
            value.get("time") if datatype == "datetime" else None,
            prefix,
        )
    elif datatype == "declaration":
        tick(driver, f"{prefix}value", value == "confirmed")
    elif datatype == "info":
        pass  # nothing to answer: Continue is enough
    else:  # string, text, number, money, email, phone
        fill_text(driver, f"{prefix}value", value or "")


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
    "declaration": "confirmed",
    "info": "seen",
}
# An item of a repeating group (a household member): a name for its first text question.
SAMPLE_ITEM_NAMES = ("Rosa Pérez", "Ana Pérez", "Luis Pérez")


CHOICE_TYPES = ("yesno", "singlevaluelist", "multivaluelist")
NUMBER_TYPES = ("number", "money")


def _candidates(question) -> list[Any]:
    """Every single answer a choice question can be given, "no" first for yes/no questions; for a
    number, the sample and the largest it takes (which may be over a limit that ends the form)."""
    if question.datatype in NUMBER_TYPES:
        largest = question.maximum
        return [SAMPLE_ANSWERS[question.datatype]] + ([str(int(largest))] if largest else [])
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
    if datatype == "group":
        return [sample_item(question, n) for n in range(max(question.min_items, 1))]
    if datatype == "file":
        return [{"id": "sample", "name": "photo.jpg", "size": 1, "type": "image/jpeg"}]
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


def sample_item(group, number: int = 0) -> dict[str, Any]:
    """Answers for one item of a repeating group: a name first, then the sample answers (the first
    choice offered for a choice)."""
    item: dict[str, Any] = {}
    for position, question in enumerate(group.questions):
        if position == 0 and question.datatype == "string":
            item[question.code] = SAMPLE_ITEM_NAMES[number % len(SAMPLE_ITEM_NAMES)]
        elif question.datatype in CHOICE_TYPES:
            item[question.code] = _candidates(question)[0]
        elif question.datatype == "date":
            item[question.code] = {"day": "4", "month": "5", "year": "2012"}
        else:
            item[question.code] = sample_answer(None, question)
    return item


def fill_item(driver: WebDriver, group, item: dict[str, Any]) -> None:
    """Fill in the page of one item of a repeating group (its fields are named "<code>-…")."""
    for question in group.questions:
        fill_answer(driver, question.datatype, item.get(question.code), prefix=f"{question.code}-")


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
            if found or decider.datatype not in CHOICE_TYPES + NUMBER_TYPES:
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


# --------------------------------------------------------------------------------------------
# File questions


def sample_files(folder: Path) -> dict[str, Path]:
    """Small files to upload: a JPEG photo, a PNG scan, and a text file the portal refuses."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    files = {"jpeg": folder / "photo.jpg", "png": folder / "scan.png", "text": folder / "notes.txt"}
    if not files["jpeg"].exists():
        Image.new("RGB", (64, 48), (40, 120, 60)).save(files["jpeg"], "JPEG", quality=80)
        Image.new("RGB", (48, 64), (230, 230, 220)).save(files["png"], "PNG")
        files["text"].write_text("Not a document or a photo.\n", encoding="utf-8")
    return files


def press(driver: WebDriver, action: str) -> None:
    """Press the button ``name=action value=<action>`` of a file page ("upload", "continue")."""
    button = driver.find_element(By.CSS_SELECTOR, f'main button[name="action"][value="{action}"]')
    _click(driver, button)
    wait_for_new_page(driver, button)


def upload(driver: WebDriver, paths: list[Path], action: str = "upload") -> None:
    """Choose files in the page's file field, then press Upload (or Continue, which uploads too)."""
    driver.find_element(By.ID, "file").send_keys("\n".join(str(p) for p in paths))
    press(driver, action)


# --------------------------------------------------------------------------------------------
# Plain HTTP next to the browser

CSRF_RE = re.compile(r'<input(?=[^>]*name="csrf_token")[^>]*value="([^"]+)"')


class Http:
    """An HTTP client on the live server, for states the browser need not walk to.

    Every form post carries a CSRF token read from a page, as a browser would send it. Its
    cookies (language, session, drafts) can be given to Chromium, or taken from it.
    """

    def __init__(self, server: LiveServer, locale: str | None = None):
        self.server = server
        self.session = requests.Session()
        if locale:
            self.get("/", lang=locale)

    def get(self, path: str, **query: str) -> requests.Response:
        return self.session.get(self.server(path, **query), timeout=30)

    def token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_RE.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def post(
        self,
        path: str,
        data: dict | None = None,
        *,
        token_from: str | None = None,
        files: dict | list | None = None,
    ) -> requests.Response:
        """POST a form (without following the redirect)."""
        token = self.token(token_from or path)
        return self.session.post(
            self.server(path),
            data={"csrf_token": token, **(data or {})},
            files=files,
            allow_redirects=False,
            timeout=30,
        )

    def answer(self, code: str, qcode: str, data: dict, **kwargs) -> requests.Response:
        response = self.post(f"/report/{code}/q/{qcode}", data, **kwargs)
        assert response.status_code == 302, (
            f"{code}/{qcode}: {response.status_code} {response.text[:1000]}"
        )
        return response

    def sign_in(self, email: str, password: str) -> None:
        response = self.post("/account/sign-in", {"email": email, "password": password})
        assert response.status_code == 302, f"sign-in refused: {response.status_code}"

    @classmethod
    def from_browser(cls, driver: WebDriver, server: LiveServer) -> Http:
        """A client holding the browser's cookies for the server (its session, its language)."""
        http = cls(server)
        found = driver.execute_cdp_cmd("Network.getCookies", {"urls": [server.url + "/"]})
        for cookie in found["cookies"]:
            http.session.cookies.set(
                cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"]
            )
        return http

    def to_browser(self, driver: WebDriver) -> None:
        """Give the browser this client's cookies, replacing its own of the same name."""
        for cookie in self.session.cookies:
            driver.execute_cdp_cmd(
                "Network.setCookie",
                {
                    "name": cookie.name,
                    "value": cookie.value,
                    "url": self.server.url + "/",
                    "path": cookie.path or "/",
                    "httpOnly": cookie.has_nonstandard_attr("HttpOnly"),
                    "sameSite": "Lax",
                },
            )


def form_data(question, value: Any, prefix: str = "") -> dict[str, Any]:
    """What a browser posts for ``value`` (in the shape stored for the question's datatype)."""
    datatype = question.datatype
    if datatype == "address":
        parts = ("street", "city", "zip")
        return {f"{prefix}{part}": (value or {}).get(part, "") for part in parts}
    if datatype in ("date", "datetime"):
        parts = ("day", "month", "year") + (("time",) if datatype == "datetime" else ())
        return {f"{prefix}{part}": (value or {}).get(part, "") for part in parts}
    if datatype == "declaration":
        return {f"{prefix}value": "y"} if value == "confirmed" else {}
    if datatype == "info":
        return {}
    return {f"{prefix}value": value}  # a list for several choices: one field each


def answer_via_http(
    http: Http, definition, files: dict[str, Path], stop: str | None = None,
    answers: dict[str, Any] | None = None,
) -> None:
    """Answer the pages of ``definition`` from the first, each with ``sample_answer()`` (or
    ``answers``), going where each answer leads, until the page ``stop`` (or until the pages run
    out). Groups get their sample items; file questions a JPEG photo."""
    code = definition.code
    given = dict(answers or {})
    qcode = definition.questions[0].code
    for _ in range(len(definition.questions) + 1):
        if qcode == stop:
            return
        question = definition.question(qcode)
        value = given.get(qcode, sample_answer(definition, question))
        path = f"/report/{code}/q/{qcode}"
        if question.datatype == "group":
            for item in value:
                data = {}
                for member in question.questions:
                    data.update(form_data(member, item.get(member.code), f"{member.code}-"))
                response = http.post(f"{path}/item/new", data)
                assert response.status_code == 302, response.text[:1000]
            response = http.answer(code, qcode, {})
        elif question.datatype == "file":
            photo = files["jpeg"]
            with photo.open("rb") as handle:
                response = http.answer(code, qcode, {"action": "continue"},
                                       files={"file": (photo.name, handle, "image/jpeg")})
        else:
            response = http.answer(code, qcode, form_data(question, value))
        after = urlsplit(response.headers["Location"]).path
        if "/q/" not in after:
            assert stop is None, f"{code}: the pages ended before {stop}"
            return
        qcode = after.rsplit("/q/", 1)[-1]
    raise AssertionError(f"{code}: the pages did not end")


def send_via_http(http: Http, definition, files: dict[str, Path]) -> str:
    """Answer every page of ``definition`` and send it (with a guest's contact details unless
    signed in). Returns the confirmation page's HTML."""
    code = definition.code
    answer_via_http(http, definition, files)
    contact = http.get(f"/report/{code}/contact")
    if urlsplit(contact.url).path.endswith("/contact"):
        response = http.post(f"/report/{code}/contact", {
            "name": "Rosa Pérez", "email": "rosa@example.com", "phone": "", "channel": "email",
            "locale": "en", "want_updates": "y", "want_reminders": "y",
        })
        assert response.status_code == 302, response.text[:1000]
    sent = http.post(f"/report/{code}/check", {})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/confirmation"), (
        sent.status_code, sent.text[:1000]
    )
    return http.get(f"/report/{code}/confirmation").text


def reference_in(page: str) -> str:
    match = re.search(r'class="portal-reference__number">([A-Z0-9-]+)<', page)
    assert match, "no reference on the page"
    return match.group(1)


def private_link_in(page: str) -> str:
    match = re.search(r'href="https?://[^/"]+(/track/t/[0-9a-f]+)"', page)
    assert match, "no private tracking link on the page"
    return match.group(1)


# --------------------------------------------------------------------------------------------
# What happens on the server side


def queued(app: Flask, template: str, **recipient: str) -> list:
    """The messages of ``template`` queued so far, oldest first (optionally only those whose
    recipient has these fields, e.g. email="ana@example.com")."""
    from sqlalchemy import select

    from portal import db
    from portal.models import Notification

    with db.session_scope(app, immediate=False) as session:
        notes = session.scalars(
            select(Notification).filter_by(template=template).order_by(Notification.id)
        ).all()
    return [n for n in notes if all(n.recipient.get(k) == v for k, v in recipient.items())]


def link_in(app: Flask, template: str, **recipient: str) -> str:
    """The path of the link in the newest message of ``template`` (e.g. "verify_email")."""
    notes = queued(app, template, **recipient)
    assert notes, f"no {template} message queued for {recipient or 'anyone'}"
    return re.sub(r"^https?://[^/]+", "", notes[-1].context["link"])


def move_case(app: Flask, reference: str, *statuses: str, note: str | None = None) -> None:
    """A staff member moves the case through ``statuses``; the last move carries ``note`` for the
    resident, through the same function the case-transition command uses."""
    from sqlalchemy import select

    from portal import db
    from portal.actors import system
    from portal.cases.transitions import transition
    from portal.models import Case

    staff = system("staff@riverton.example", "web")
    for status in statuses:
        with db.session_scope(app) as session:
            case = session.scalar(select(Case).filter_by(reference=reference))
            transition(
                session, case, status, staff, public_note=note if status == statuses[-1] else None
            )


# The session-timeout dialog opens this long before a signed-in session ends for lack of activity
# (data-warn-seconds in templates/layouts/base.html, and in layouts/staff.html for staff).
TIMEOUT_WARNING = timedelta(seconds=300)
STAFF_TIMEOUT_WARNING = timedelta(seconds=120)


@contextmanager
def short_idle(after: float = 2.0, *, staff: bool = False):
    """Signed-in sessions end after ``TIMEOUT_WARNING`` + ``after`` seconds without a request,
    so the session-timeout dialog opens ``after`` seconds after a page loads. The live server runs
    in this process: the idle limit it uses is ``portal.accounts.sessions.IDLE`` (for ``staff``,
    ``staff_sessions.IDLE``, with ``STAFF_TIMEOUT_WARNING``)."""
    from portal.accounts import sessions, staff_sessions

    module, warning = (staff_sessions, STAFF_TIMEOUT_WARNING) if staff else (sessions, TIMEOUT_WARNING)
    saved = module.IDLE
    module.IDLE = warning + timedelta(seconds=after)
    try:
        yield
    finally:
        module.IDLE = saved


def reset_rate_limits() -> None:
    """Forget the requests counted by the rate limits (sign-up, sign-in, saving answers…): the
    browser tests all come from 127.0.0.1. The limits themselves are tested elsewhere."""
    from portal.extensions import limiter

    limiter.reset()
