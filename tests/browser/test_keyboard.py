"""Keyboard only, JavaScript on: every step by Tab, Shift+Tab, Space, Enter, Escape and arrow keys.

No element is clicked. At every stop, the focused element must show a focus indicator (an
outline or a box shadow; for a radio button or checkbox, on the label's drawn box) and be on
screen, not covered by anything else.
"""

from __future__ import annotations

import re
import time

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from .support import (
    WAIT_SECONDS,
    Http,
    answer_via_http,
    link_in,
    path_of,
    reset_rate_limits,
    sample_files,
    short_idle,
    wait,
    wait_for_path,
)

pytestmark = pytest.mark.browser

MAX_TABS = 60
PASSWORD = "violet kettle marches north"

FOCUS = r"""
const el = document.activeElement;
if (!el || el === document.body) return {tag: 'body'};
function visible(style) {
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return outline || (style.boxShadow && style.boxShadow !== 'none');
}
// USWDS draws radio buttons and checkboxes on the label (the box is its ::before); the input
// itself is off screen, so only the label counts.
const isBox = el.matches('input[type=radio], input[type=checkbox]');
const drawn = isBox && el.labels.length ? el.labels[0] : el;
const shown = drawn === el ? visible(getComputedStyle(el))
  : visible(getComputedStyle(drawn)) || visible(getComputedStyle(drawn, '::before'));
// WCAG 2.4.11: what has focus is not entirely off screen or covered by something else.
let obscured = null;
const box = drawn.getBoundingClientRect();
const left = Math.max(box.left, 0), right = Math.min(box.right, window.innerWidth);
const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
if (!box.width || !box.height) obscured = 'it has no size';
else if (left >= right || top >= bottom) obscured = 'it is off screen';
else {
  const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
  if (!hit || !(drawn.contains(hit) || hit.contains(drawn))) {
    obscured = 'covered by ' + (hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing');
  }
}
return {
  tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
  type: el.getAttribute('type'), value: el.value, href: el.getAttribute('href'),
  text: (el.innerText || '').trim().slice(0, 80), classes: el.className,
  summary: el.matches('[data-module="error-summary"]'), checked: !!el.checked, shown: !!shown,
  obscured: obscured,
};
"""


class Keyboard:
    def __init__(self, driver):
        self.driver = driver

    def press(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def shift_tab(self) -> None:
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(
            Keys.SHIFT
        ).perform()

    def type(self, text: str) -> None:
        self.press(text)

    def focused(self) -> dict:
        """What has focus; inside a frame (a message preview), what has focus in the frame."""
        focus = self.driver.execute_script(FOCUS)
        if focus["tag"] == "iframe" and not focus["obscured"]:
            self.driver.switch_to.frame(self.driver.switch_to.active_element)
            try:
                inner = self.driver.execute_script(FOCUS)
            finally:
                self.driver.switch_to.default_content()
            focus = {**inner, "frame": focus["classes"]}
        return focus

    def assert_focus_visible(self) -> dict:
        focus = self.focused()
        for _ in range(25):  # let a transition end (the skip link slides into view)
            if focus["tag"] == "body" or (focus["shown"] and not focus["obscured"]):
                break
            time.sleep(0.02)
            focus = self.focused()
        if focus["tag"] != "body":
            assert focus["shown"], f"no visible focus on {focus} at {self.driver.current_url}"
            assert not focus["obscured"], f"focus hidden ({focus['obscured']}): {focus}"
        return focus

    def tab_to(self, wanted, backwards: bool = False) -> dict:
        """Press Tab (or Shift+Tab) until ``wanted(focus)`` holds, checking focus at every stop."""
        seen = []
        for _ in range(MAX_TABS):
            self.shift_tab() if backwards else self.press(Keys.TAB)
            focus = self.assert_focus_visible()
            if wanted(focus):
                return focus
            seen.append(focus.get("id") or focus.get("href") or focus.get("text") or focus["tag"])
        raise AssertionError(
            f"never reached the element on {self.driver.current_url}; went through {seen}"
        )

    def activate(self, key: str = Keys.ENTER) -> None:
        """Press a key on the focused link or button and wait for the next page."""
        before = self.driver.execute_script("return performance.timeOrigin")
        self.press(key)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                now = self.driver.execute_script(
                    "return document.readyState === 'complete' ? performance.timeOrigin : null"
                )
            except WebDriverException:  # the old page is going away
                now = None
            if now and now != before:
                return
            time.sleep(0.02)
        raise AssertionError(
            f"pressing {key!r} did not load a new page ({self.driver.current_url})"
        )


def link_to(path_pattern: str):
    return lambda f: f["tag"] == "a" and f["href"] and re.search(path_pattern, f["href"])


def button(f) -> bool:
    return f["tag"] == "button"


def field(field_id: str):
    return lambda f: f["id"] == field_id


def test_skip_link_is_first_and_moves_focus_to_main(js_browser, live_server):
    keys = Keyboard(js_browser)
    js_browser.get(live_server("/"))
    keys.press(Keys.TAB)
    focus = keys.assert_focus_visible()
    assert focus["tag"] == "a" and "usa-skipnav" in focus["classes"], focus
    assert focus["href"] == "#main-content"
    keys.press(Keys.ENTER)
    assert keys.focused()["id"] == "main-content"
    # The next Tab goes to the first link in main, not back to the header.
    focus = keys.tab_to(lambda f: True)
    assert js_browser.execute_script(
        "return document.getElementById('main-content').contains(document.activeElement)"
    ), focus


def test_report_a_pothole_by_keyboard_alone(js_browser, live_server):
    driver = js_browser
    keys = Keyboard(driver)
    driver.get(live_server("/"))

    keys.tab_to(link_to(r"/services(\?kind=complaint)?$"))  # Report a problem
    keys.activate()
    wait_for_path(driver, "/services")
    keys.tab_to(field("q"))
    keys.type("pothole")
    keys.activate(Keys.ENTER)  # Enter in the search box submits it
    keys.tab_to(link_to(r"/report/pothole$"))
    keys.activate()
    wait_for_path(driver, "/report/pothole")
    keys.tab_to(link_to(r"/report/pothole/q/location$"))  # Start now
    keys.activate()

    # Send the first page empty: the error summary takes focus, its link leads to the field.
    wait_for_path(driver, "/report/pothole/q/location")
    keys.tab_to(button)
    keys.activate(Keys.SPACE)
    assert path_of(driver) == "/report/pothole/q/location"
    focus = keys.focused()
    assert focus["summary"], f"the error summary does not have focus: {focus}"
    keys.tab_to(link_to(r"#street$"))
    keys.press(Keys.ENTER)
    assert keys.focused()["id"] == "street"
    keys.type("12 Main Street")
    keys.press(Keys.TAB)
    assert keys.assert_focus_visible()["id"] == "city"
    keys.shift_tab()
    assert keys.assert_focus_visible()["value"] == "12 Main Street"
    keys.tab_to(field("city"))
    keys.type("Riverton")
    keys.tab_to(button)
    keys.activate()

    # Radio buttons: Tab into the group, arrows choose.
    wait_for_path(driver, "/report/pothole/q/position")
    keys.tab_to(lambda f: f["type"] == "radio")
    keys.press(Keys.SPACE)
    assert keys.assert_focus_visible()["checked"]
    keys.tab_to(button)
    keys.activate()

    wait_for_path(driver, "/report/pothole/q/size")
    first = keys.tab_to(lambda f: f["type"] == "radio")
    keys.press(Keys.ARROW_DOWN)
    chosen = keys.assert_focus_visible()
    assert chosen["checked"] and chosen["value"] != first["value"] == "small", chosen
    keys.tab_to(button)
    keys.activate()

    wait_for_path(driver, "/report/pothole/q/first_seen")  # optional: skip it
    keys.tab_to(button)
    keys.activate()

    wait_for_path(driver, "/report/pothole/q/details")
    keys.tab_to(field("value"))
    keys.type("Deep hole near the bus stop.")
    keys.tab_to(button)
    keys.activate()

    wait_for_path(driver, "/report/pothole/contact")
    email_field = field("email")

    def email_choice(f):
        return f["type"] == "radio" and f["value"] == "email"

    def type_email():
        keys.type("ana@example.com")

    def choose_email():
        keys.press(Keys.SPACE)
        assert keys.assert_focus_visible()["checked"]

    # The field and the choice may come in either order: fill whichever Tab reaches first.
    if email_field(keys.tab_to(lambda f: email_field(f) or email_choice(f))):
        type_email()
        keys.tab_to(email_choice)
        choose_email()
    else:
        choose_email()
        keys.tab_to(email_field)
        type_email()
    keys.tab_to(button)
    keys.activate()

    wait_for_path(driver, "/report/pothole/check")
    keys.tab_to(button)  # Send report
    keys.activate()
    wait_for_path(driver, "/report/pothole/confirmation")
    assert re.search(
        r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}",
        driver.find_element("css selector", ".portal-reference__number").text,
    )


def test_every_stop_on_the_page_shows_focus(js_browser, live_server):
    """Tab through whole pages, header to footer, with and without errors."""
    driver = js_browser
    keys = Keyboard(driver)
    for path in ("/", "/services?q=pothole", "/report/pothole", "/track"):
        driver.get(live_server(path))
        stops = []
        for _ in range(MAX_TABS):
            keys.press(Keys.TAB)
            focus = keys.assert_focus_visible()
            stops.append(focus)
            if focus["tag"] == "body" or (focus["href"] or "").endswith("/privacy"):
                break
        assert (stops[-1]["href"] or "").endswith("/privacy"), f"{path}: Tab ended at {stops[-1]}"


# --------------------------------------------------------------------------------------------
# The session-timeout dialog, a repeating group and a file question


def sign_in_through_http(driver, server, email: str) -> None:
    """A confirmed account, signed in; the browser takes over the signed-in session."""
    reset_rate_limits()
    http = Http(server)
    assert http.post("/account/create", {"email": email, "password": PASSWORD}).status_code == 302
    assert http.get(link_in(server.app, "verify_email", email=email)).status_code == 200
    http.sign_in(email, PASSWORD)
    http.to_browser(driver)


def last_seen(app, email: str):
    from sqlalchemy import select

    from portal import db
    from portal.models import Account, AccountSession

    with db.session_scope(app, immediate=False) as session:
        return session.scalar(
            select(AccountSession.last_seen_at)
            .join(Account, Account.id == AccountSession.account_id)
            .where(Account.email == email, AccountSession.revoked_at.is_(None))
            .order_by(AccountSession.id.desc())
        )


DIALOG = 'dialog[data-module="session-timeout"]'


def dialog_open(driver) -> bool:
    return driver.execute_script(f"return document.querySelector('{DIALOG}').open")


def test_the_session_timeout_dialog_by_keyboard(js_browser, live_server):
    driver, app = js_browser, live_server.app
    keys = Keyboard(driver)
    email = "keys.timeout@example.com"
    sign_in_through_http(driver, live_server, email)
    with short_idle(after=1.0):
        driver.get(live_server("/account"))
        for key in (Keys.ENTER, Keys.SPACE):
            # It opens by itself shortly before the session ends, "Stay signed in" focused.
            wait(driver).until(dialog_open, message="the session-timeout dialog did not open")
            focus = keys.assert_focus_visible()
            assert focus["tag"] == "button" and driver.execute_script(
                f"return document.querySelector('{DIALOG}').contains(document.activeElement)"
            ), focus
            before = last_seen(app, email)
            keys.press(key)  # Stay signed in
            wait(driver).until(lambda d: not dialog_open(d), message="the dialog stayed open")
            wait(driver).until(lambda d, since=before: last_seen(app, email) > since,
                               message="the session was not extended")
            assert path_of(driver) == "/account"  # no page load: the page is as it was
        # Escape closes it without extending the session.
        wait(driver).until(dialog_open, message="the session-timeout dialog did not open again")
        before = last_seen(app, email)
        keys.press(Keys.ESCAPE)
        wait(driver).until(lambda d: not dialog_open(d), message="Escape did not close the dialog")
        assert last_seen(app, email) == before
        assert path_of(driver) == "/account"


def test_household_members_are_added_and_removed_by_keyboard(js_browser, live_server, tmp_path):
    driver, app = js_browser, live_server.app
    keys = Keyboard(driver)
    rental = app.extensions["catalog"].service("rental-assistance")
    http = Http(live_server)
    answer_via_http(http, rental, sample_files(tmp_path), stop="household_members",
                    answers={"household_size": "1"})
    http.to_browser(driver)
    group = "/report/rental-assistance/q/household_members"
    driver.get(live_server(group))

    keys.tab_to(link_to(r"/item/new$"))  # Add a person
    keys.activate()
    assert "/item/new" in path_of(driver)
    keys.tab_to(field("member_name-value"))
    keys.type("Rosa Pérez")
    keys.tab_to(lambda f: f["name"] == "relationship-value")
    keys.press(Keys.SPACE)
    assert keys.assert_focus_visible()["checked"]
    for part, value in (("month", "5"), ("day", "4"), ("year", "1980")):  # as US English writes dates
        keys.tab_to(field(f"date_of_birth-{part}"))
        keys.type(value)
    keys.tab_to(field("monthly_income-value"))
    keys.type("1500")
    keys.tab_to(lambda f: f["name"] == "income_source-value")
    keys.press(Keys.SPACE)
    keys.tab_to(button)  # Save and go back to the list
    keys.activate()
    wait_for_path(driver, group)
    assert "Rosa Pérez" in driver.find_element("css selector", "main").text

    remove = keys.tab_to(lambda f: f["tag"] == "button" and "Rosa Pérez" in f["text"])
    assert remove["text"].startswith("Remove"), remove
    keys.activate(Keys.ENTER)
    wait_for_path(driver, group)
    assert "Rosa Pérez" not in driver.find_element("css selector", "main").text
    assert keys.tab_to(link_to(r"/item/new$"))  # and a person can be added again


def test_a_file_is_uploaded_and_removed_by_keyboard(js_browser, live_server, tmp_path):
    driver, app = js_browser, live_server.app
    keys = Keyboard(driver)
    files = sample_files(tmp_path)
    tree = app.extensions["catalog"].service("tree-removal")
    http = Http(live_server)
    answer_via_http(http, tree, files, stop="photos")
    http.to_browser(driver)
    page = "/report/tree-removal/q/photos"
    driver.get(live_server(page))

    chooser = keys.tab_to(field("file"))
    assert chooser["type"] == "file"
    # The file chooser is the operating system's; choosing a file in it is what this stands for.
    driver.switch_to.active_element.send_keys(str(files["jpeg"]))
    keys.tab_to(lambda f: f["tag"] == "button" and f["value"] == "upload")
    keys.activate()
    wait_for_path(driver, page)
    assert files["jpeg"].name in driver.find_element("css selector", "main").text

    keys.tab_to(lambda f: f["tag"] == "button" and files["jpeg"].name in f["text"])  # Remove
    keys.activate(Keys.SPACE)
    wait_for_path(driver, page)
    assert not driver.find_elements("css selector", "main a[download]")

    keys.tab_to(field("file"))
    driver.switch_to.active_element.send_keys(str(files["png"]))
    keys.tab_to(lambda f: f["tag"] == "button" and f["value"] == "continue")
    keys.activate()  # Continue uploads the chosen file and goes on
    wait_for_path(driver, "/report/tree-removal/q/declaration")
