"""The audit's walks through accounts, permits and benefits, saved answers, follow-up on a sent
request and unsubscribing, and the page states each one reaches.

Each ``*_plan()`` lists (page, state) pairs in the order its walk reaches them; ``audit.plan()``
puts them after the complaint journeys. The walks are methods of ``audit.Auditor`` (this class is
one of its bases): they use its ``get()``, ``follow()`` and ``audit()``, and set up what the
browser need not walk through plain HTTP (``support.Http``) or the functions staff use
(``support.move_case``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from portal.cases import workflow
from tests.browser import support
from tests.browser.support import (
    Http,
    choose,
    error_summary,
    fill_answer,
    fill_contact,
    fill_item,
    fill_text,
    link_in,
    move_case,
    path_of,
    press,
    question_code,
    sample_answer,
    sample_files,
    sample_item,
    short_idle,
    submit,
    tick,
    upload,
    wait,
    wait_for_path,
    wrong_answer,
)

# Permits and benefits walked to the end and sent, so their requests can be followed up.
SENT_APPLICATIONS = ("tree-removal", "rental-assistance")
BENEFIT_CASE, PERMIT_CASE = "rental-assistance", "tree-removal"
# The repeating group audited in every state: with errors, an item changed, an item removed.
GROUP_SHOWCASE = "rental-assistance"
# A guest saves their answers to this service and comes back by emailed link and by code.
DRAFT_SERVICE = "graffiti"
# A signed-in resident's saved answers, listed in their account.
ACCOUNT_DRAFT = "utility-bill-assistance"
PASSWORD = "violet kettle marches north"
NEW_PASSWORD = "copper lantern drifts slowly"
WEAK_PASSWORD = "password1234"
REMOVED_ITEM = "0" * 16  # an item id no list holds: "removed in another window"
FAKE_CODE = "ZZZZ-ZZZZ"


def applications(catalog) -> dict:
    """The permits and benefits."""
    return {code: s for code, s in catalog.services.items() if s.kind != "complaint"}


def route(definition) -> list:
    """The pages asked when each question is answered with ``sample_answer()``."""
    answers: dict[str, Any] = {}
    asked = []
    for _ in range(len(definition.questions) + 1):
        pending = [q for q in definition.route(answers) if not q.is_exit and q.code not in answers]
        if not pending:
            break
        asked.append(pending[0])
        answers[pending[0].code] = sample_answer(definition, pending[0], answers)
    return asked


def first_file(definition) -> str | None:
    return next((q.code for q in route(definition) if q.datatype == "file"), None)


NOT_CHECKED = {"group", "file", "info", "exit"}  # pages with states of their own, or no errors


def application_checks(catalog, complaint_types: set[str]) -> set[tuple[str, str]]:
    """(service, question) pages of permits and benefits also audited with errors: every
    declaration, and one page of each datatype no complaint asks (a required one if any)."""
    chosen = set()
    by_type: dict[str, tuple[str, Any]] = {}
    for code, definition in applications(catalog).items():
        for q in route(definition):
            if q.datatype == "declaration":
                chosen.add((code, q.code))
            elif q.datatype not in complaint_types | NOT_CHECKED:
                best = by_type.get(q.datatype)
                if best is None or (q.required and not best[1].required):
                    by_type[q.datatype] = (code, q)
    return chosen | {(code, q.code) for code, q in by_type.values()}


def refilled(definition, checks) -> list:
    """Checked pages audited again once answered (a declaration ticked looks like any checkbox)."""
    return [
        q for q in route(definition)
        if (definition.code, q.code) in checks and q.datatype != "declaration"
    ]


def application_plan(catalog, checks) -> list[tuple[str, str]]:
    out = []
    for code, definition in applications(catalog).items():
        base = f"report/{code}"
        showcase = code == GROUP_SHOWCASE
        out.append((base, "default"))
        for q in route(definition):
            page = f"{base}/q/{q.code}"
            out.append((page, "empty"))
            if q.datatype == "group":
                item = f"{page}/item"
                out += [(page, "errors")] if showcase else []
                out += [(item, "empty")] + ([(item, "errors")] if showcase else [])
                out.append((page, "with-items"))
                out += [(item, "filled"), (f"{item}/removed", "default")] if showcase else []
            elif q.datatype == "file":
                if q.code == first_file(definition):
                    out += [(page, "errors"), (page, "uploaded")]
            elif (code, q.code) in checks:
                out.append((page, "errors"))
        out.append((f"{base}/contact", "empty"))
        out += [(f"{base}/q/{q.code}", "filled") for q in refilled(definition, checks)]
        for exit_page, _decider, _value in support.exit_answers(definition):
            out.append((f"{base}/q/{exit_page.code}", "exit"))
        if code in SENT_APPLICATIONS:
            out += [(f"{base}/check", "default"), (f"{base}/confirmation", "default")]
    return out


def uncovered_application_pages(catalog) -> list[str]:
    missing = []
    for code, definition in applications(catalog).items():
        asked = {q.code for q in route(definition)}
        exits = {e.code for e, _d, _v in support.exit_answers(definition)}
        missing += [f"{code}/{q.code}" for q in definition.questions if q.code not in asked | exits]
    return missing


def followup_plan() -> list[tuple[str, str]]:
    return [
        ("track/case", "more-info-needed"),
        ("track/case", "more-info-errors"),
        ("track/case", "more-info-file-refused"),
        ("track/case", "answered"),
        ("track/case", "approved"),
        ("track/case", "rating-errors"),
        ("track/case", "rated"),
        ("track/case", "resolved"),
        ("track/case/not-fixed", "empty"),
        ("track/case/not-fixed", "errors"),
        ("track/case", "reopened"),
        ("track/case/withdraw", "empty"),
        ("track/case/withdraw", "errors"),
        ("track/case", "withdrawn"),
        ("track/case/not-possible", "default"),
    ]


def unsubscribe_plan() -> list[tuple[str, str]]:
    return [
        ("notifications/unsubscribe", "updates"),
        ("notifications/unsubscribed", "updates"),
        ("notifications/unsubscribe", "reminders"),
        ("notifications/unsubscribed", "reminders"),
    ]


def drafts_plan() -> list[tuple[str, str]]:
    base = f"report/{DRAFT_SERVICE}"
    return [
        (f"{base}/save", "nothing-saved"),
        (f"{base}/save", "empty"),
        (f"{base}/save", "errors"),
        (f"{base}/save/sent", "default"),
        ("report/resume/link", "default"),
        (f"{base}/save/code", "default"),
        ("report/resume/link-invalid", "default"),
        ("report/resume", "empty"),
        ("report/resume", "errors"),
        ("report/resume", "not-found"),
    ]


def accounts_plan() -> list[tuple[str, str]]:
    return [
        ("auth/sign-up", "empty"),
        ("auth/sign-up", "errors"),
        ("auth/sign-up", "weak-password"),
        ("auth/check-email", "signed-up"),
        ("auth/sign-in", "empty"),
        ("auth/sign-in", "errors"),
        ("auth/sign-in", "wrong-password"),
        ("account", "unverified"),
        ("auth/verified", "default"),
        ("auth/link-invalid", "default"),
        ("account", "requests-and-drafts"),
        (f"report/{ACCOUNT_DRAFT}/save", "account"),
        ("account/export", "default"),
        ("account", "session-timeout"),
        ("account/preferences", "filled"),
        ("account/preferences", "errors"),
        ("account", "preferences-saved"),
        ("account/email", "empty"),
        ("account/email", "errors"),
        ("account/email", "wrong-password"),
        ("auth/check-email", "email-change"),
        ("auth/email-changed", "default"),
        ("account/password", "empty"),
        ("account/password", "weak-password"),
        ("account/password", "wrong-password"),
        ("account", "password-changed"),
        (f"report/{ACCOUNT_DRAFT}/delete", "default"),
        ("account", "draft-deleted"),
        ("auth/signed-out", "default"),
        ("auth/timed-out", "default"),
        ("auth/provider-error", "unavailable"),
        ("auth/provider-error", "cancelled"),
        ("auth/provider-error", "expired"),
        ("auth/provider-error", "refused"),
        ("auth/forgot", "empty"),
        ("auth/forgot", "errors"),
        ("auth/check-email", "reset"),
        ("auth/reset", "empty"),
        ("auth/reset", "weak-password"),
        ("account/delete", "empty"),
        ("account/delete", "errors"),
        ("auth/deleted", "default"),
    ]


class Walks:
    """The walks added to ``audit.Auditor``."""

    driver: Any
    server: Any
    catalog: Any
    locale: str
    cases: dict[str, tuple[str, str]]  # service code -> (reference, private link path)
    application_checks: set[tuple[str, str]]

    # -- helpers ---------------------------------------------------------------------------

    @property
    def app(self):
        return self.server.app

    @property
    def files(self) -> dict[str, Path]:
        if not hasattr(self, "_files"):
            self._files = sample_files(Path(tempfile.mkdtemp(prefix="portal-audit-files-")))
        return self._files

    def expect_errors(self, page: str) -> None:
        if error_summary(self.driver) is None:
            raise AssertionError(f"{page}: no error summary on {self.driver.current_url}")

    def expect_path(self, path: str) -> None:
        wait_for_path(self.driver, path)

    def click(self, css: str) -> None:
        self.follow(self.driver.find_element(By.CSS_SELECTOR, css))

    def fresh_browser_session(self) -> None:
        """Forget this browser's cookies (as closing the browser would)."""
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    def email(self, name: str) -> str:
        return f"{name}.{self.locale}@example.com"

    # -- permits and benefits --------------------------------------------------------------

    def application(self, code: str) -> None:
        driver = self.driver
        definition = self.catalog.service(code)
        base = f"report/{code}"
        self.get(f"/{base}")
        self.audit(base, "default")
        self.click("main a.usa-button")  # Start now
        first = first_file(definition)
        for _ in range(len(definition.questions) + 1):
            qcode = question_code(driver, code)
            if qcode is None:
                break
            question = definition.question(qcode)
            page = f"{base}/q/{qcode}"
            if question.is_exit:
                raise AssertionError(f"{page}: the sample answers led to an exit page")
            if question.datatype == "group":
                self.group(definition, question, page)
                continue
            if question.datatype == "file":
                self.file_page(page, showcase=qcode == first)
                continue
            self.audit(page, "empty")
            if (code, qcode) in self.application_checks:
                fill_answer(driver, question.datatype, wrong_answer(question))
                submit(driver)
                self.expect_errors(page)
                self.audit(page, "errors")
            fill_answer(driver, question.datatype, sample_answer(definition, question))
            submit(driver)
        if path_of(driver) != f"/{base}/contact":
            raise AssertionError(f"{base}: expected the contact page, reached {driver.current_url}")
        self.audit(f"{base}/contact", "empty")
        for question in refilled(definition, self.application_checks):
            self.get(f"/{base}/q/{question.code}")
            self.audit(f"{base}/q/{question.code}", "filled")
        for exit_page, decider, value in support.exit_answers(definition):
            self.get(f"/{base}/q/{decider.code}")
            fill_answer(driver, decider.datatype, value)
            submit(driver)
            if path_of(driver) != f"/{base}/q/{exit_page.code}":
                raise AssertionError(
                    f"{base}: answering {decider.code}={value} led to {driver.current_url}, "
                    f"not to {exit_page.code}"
                )
            self.audit(f"{base}/q/{exit_page.code}", "exit")
            self.get(f"/{base}/q/{decider.code}")
            fill_answer(driver, decider.datatype, sample_answer(definition, decider))
            submit(driver)
        if code in SENT_APPLICATIONS:
            self.send_application(code)

    def group(self, definition, question, page: str) -> None:
        """A repeating group: the list empty (and sent empty), an item's page empty (and sent
        empty), the list with items, an item changed, an item removed in another window."""
        driver = self.driver
        showcase = definition.code == GROUP_SHOWCASE
        item = f"{page}/item"
        self.audit(page, "empty")
        if showcase:
            submit(driver)  # Continue with nobody added
            self.expect_errors(page)
            self.audit(page, "errors")
        for number in range(max(question.min_items, 1)):
            self.click("#add-item")
            if number == 0:
                self.audit(item, "empty")
                if showcase:
                    submit(driver)
                    self.expect_errors(item)
                    self.audit(item, "errors")
            fill_item(driver, question, sample_item(question, number))
            submit(driver)
            self.expect_path(f"/{page}")
        self.audit(page, "with-items")
        if showcase:
            self.click("main .portal-item-actions a")  # Change
            self.audit(item, "filled")
            self.get(f"/{item}/{REMOVED_ITEM}")
            self.audit(f"{item}/removed", "default")
            self.get(f"/{page}")
        submit(driver)  # Continue

    def file_page(self, page: str, showcase: bool) -> None:
        """A file question: empty; with a file it refuses; with a photo uploaded."""
        self.audit(page, "empty")
        if showcase:
            upload(self.driver, [self.files["text"]])
            self.expect_errors(page)
            self.audit(page, "errors")
            upload(self.driver, [self.files["jpeg"]])
            self.audit(page, "uploaded")
            press(self.driver, "continue")
        else:
            upload(self.driver, [self.files["jpeg"]], action="continue")

    def send_application(self, code: str) -> None:
        driver = self.driver
        base = f"report/{code}"
        self.get(f"/{base}/contact")
        fill_contact(
            driver, name="Rosa Pérez", email="rosa@example.com", phone="202 555 0143",
            channel="email",
        )
        submit(driver)
        self.expect_path(f"/{base}/check")
        self.audit(f"{base}/check", "default")
        submit(driver)
        self.expect_path(f"/{base}/confirmation")
        self.audit(f"{base}/confirmation", "default")
        reference = driver.find_element(By.CSS_SELECTOR, ".portal-reference__number").text.strip()
        link = driver.find_element(By.CSS_SELECTOR, ".portal-private-link a").get_attribute("href")
        self.cases[code] = (reference, urlsplit(link).path)

    # -- follow-up on a sent request -------------------------------------------------------

    def case(self, code: str) -> tuple[str, str]:
        if code not in self.cases:
            raise AssertionError(f"no {code} request was sent, so there is nothing to follow up")
        return self.cases[code]

    def followup(self) -> None:
        driver = self.driver
        # A benefit application: staff ask for more information; answered with a document;
        # approved; rated.
        reference, link = self.case(BENEFIT_CASE)
        page = f"/track/case/{reference}"
        move_case(self.app, reference, workflow.IN_REVIEW, workflow.MORE_INFO,
                  note="Please send a copy of your lease signed by your landlord.")
        self.get(link)
        self.audit("track/case", "more-info-needed")
        submit(driver)  # Send your answer, empty
        self.expect_errors("track/case")
        self.audit("track/case", "more-info-errors")
        fill_text(driver, "answer", "Here is the signed lease.")
        driver.find_element(By.ID, "file").send_keys(str(self.files["text"]))
        submit(driver)
        self.expect_errors("track/case")
        self.audit("track/case", "more-info-file-refused")
        fill_text(driver, "answer", "Here is the signed lease.")
        driver.find_element(By.ID, "file").send_keys(str(self.files["jpeg"]))
        submit(driver)
        self.audit("track/case", "answered")
        move_case(self.app, reference, workflow.APPROVED,
                  note="We will pay 2 months of rent to your landlord.")
        self.get(page)
        self.audit("track/case", "approved")
        submit(driver)  # Send your rating, with none chosen
        self.expect_errors("track/case")
        self.audit("track/case", "rating-errors")
        choose(driver, "rating", "4")
        submit(driver)
        self.audit("track/case", "rated")

        # A problem report: fixed, then not fixed after all.
        if self.private_link is None:
            raise AssertionError("no problem report was sent, so there is nothing to follow up")
        move_case(self.app, self.reference, workflow.IN_REVIEW, workflow.RESOLVED,
                  note="We filled the hole.")
        self.get(urlsplit(self.private_link).path)
        self.audit("track/case", "resolved")
        self.click("main a[href$='/not-fixed']")
        self.audit("track/case/not-fixed", "empty")
        submit(driver)
        self.expect_errors("track/case/not-fixed")
        self.audit("track/case/not-fixed", "errors")
        fill_text(driver, "description", "The hole came back after the rain.")
        submit(driver)
        self.audit("track/case", "reopened")

        # A permit application, withdrawn; then withdrawn again from an old tab.
        reference, link = self.case(PERMIT_CASE)
        self.get(link)
        self.click("main a[href$='/withdraw']")
        self.audit("track/case/withdraw", "empty")
        fill_text(driver, "reason", "We changed our plans. " * 50)  # over 1,000 characters
        submit(driver)
        self.expect_errors("track/case/withdraw")
        self.audit("track/case/withdraw", "errors")
        fill_text(driver, "reason", "We changed our plans.")
        submit(driver)
        self.audit("track/case", "withdrawn")
        self.get(f"/track/case/{reference}/withdraw")
        self.audit("track/case/not-possible", "default")

    # -- one-click unsubscribe -------------------------------------------------------------

    def unsubscribe(self) -> None:
        from portal.notify import unsubscribe

        if self.reference is None:
            raise AssertionError("no problem report was sent, so no update was queued")
        secret = self.app.config["SECRET_KEY"]
        update = self.queued_for_case("case_updated", self.reference)
        reminder = self.queue_reminder(self.reference)
        for note, state in ((update, "updates"), (reminder, "reminders")):
            self.get(f"/notifications/unsubscribe/{unsubscribe.make_token(secret, note)}")
            self.audit("notifications/unsubscribe", state)
            submit(self.driver)
            self.audit("notifications/unsubscribed", state)

    def queued_for_case(self, template: str, reference: str) -> int:
        from sqlalchemy import select

        from portal import db
        from portal.models import Case, Notification

        with db.session_scope(self.app, immediate=False) as session:
            case = session.scalar(select(Case).filter_by(reference=reference))
            found = session.scalars(
                select(Notification.id).filter_by(case_id=case.id, template=template)
                .order_by(Notification.id.desc())
            ).first()
        if found is None:
            raise AssertionError(f"no {template} message was queued for {reference}")
        return found

    def queue_reminder(self, reference: str) -> int:
        """An optional reminder about the request, queued through the outbox. (Nothing in the
        portal queues reminders yet, but the unsubscribe page has their wording, and the
        preference "Reminders" switches them off.)"""
        from sqlalchemy import select

        from portal import db
        from portal.models import Case
        from portal.notify import outbox

        with db.session_scope(self.app) as session:
            case = session.scalar(select(Case).filter_by(reference=reference))
            route = outbox.Route("email", {"email": case.contact_email or "ana@example.com",
                                           "name": ""}, self.locale)
            note = outbox.queue(session, key=f"audit:reminder:{reference}", template="reminder",
                                route=route, context={"reference": reference}, case_id=case.id)
            session.flush()
            return note.id

    # -- saved answers: save and come back later -------------------------------------------

    def drafts(self) -> None:
        driver = self.driver
        definition = self.catalog.service(DRAFT_SERVICE)
        base = f"report/{DRAFT_SERVICE}"
        self.fresh_browser_session()
        self.get(f"/{base}/save")
        self.audit(f"{base}/save", "nothing-saved")
        self.get(f"/{base}")
        self.click("main a.usa-button")  # Start now
        first = definition.questions[0]
        fill_answer(driver, first.datatype, sample_answer(definition, first))
        submit(driver)
        self.get(f"/{base}/save")
        self.audit(f"{base}/save", "empty")
        fill_text(driver, "email", "not an email address")
        submit(driver)
        self.expect_errors(f"{base}/save")
        self.audit(f"{base}/save", "errors")
        fill_text(driver, "email", self.email("saver"))
        submit(driver)
        self.expect_path(f"/{base}/save/sent")
        self.audit(f"{base}/save/sent", "default")
        link = link_in(self.app, "draft_resume", email=self.email("saver"))
        self.get(link)
        self.audit("report/resume/link", "default")
        self.get(f"/{base}/save")
        self.click("main form input[name=how][value=code] ~ button")  # Show me a code
        self.audit(f"{base}/save/code", "default")
        code = driver.find_element(By.CSS_SELECTOR, "[data-resume-code]").text.strip()
        self.get(link)  # the code replaced the link
        self.audit("report/resume/link-invalid", "default")
        self.get("/report/resume")
        self.audit("report/resume", "empty")
        submit(driver)
        self.expect_errors("report/resume")
        self.audit("report/resume", "errors")
        fill_text(driver, "code", FAKE_CODE)
        submit(driver)
        self.expect_errors("report/resume")
        self.audit("report/resume", "not-found")
        fill_text(driver, "code", code)
        submit(driver)
        if question_code(driver, DRAFT_SERVICE) is None:
            raise AssertionError(f"the resume code did not lead back, but to {driver.current_url}")

    # -- accounts --------------------------------------------------------------------------

    def accounts(self) -> None:
        driver = self.driver
        email = self.email("resident")
        self.fresh_browser_session()

        # Create an account: empty, with errors, with a password too easy to guess.
        self.get("/account/create")
        self.audit("auth/sign-up", "empty")
        submit(driver)
        self.expect_errors("auth/sign-up")
        self.audit("auth/sign-up", "errors")
        fill_text(driver, "email", email)
        fill_text(driver, "password", WEAK_PASSWORD)
        submit(driver)
        self.expect_errors("auth/sign-up")
        self.audit("auth/sign-up", "weak-password")
        fill_text(driver, "email", email)
        fill_text(driver, "password", PASSWORD)
        submit(driver)
        self.expect_path("/account/check-email")
        self.audit("auth/check-email", "signed-up")

        # Sign in (before confirming the address): empty, with errors, the wrong password.
        self.get("/account/sign-in")
        self.audit("auth/sign-in", "empty")
        submit(driver)
        self.expect_errors("auth/sign-in")
        self.audit("auth/sign-in", "errors")
        self.sign_in(email, "not the password at all")
        self.expect_errors("auth/sign-in")
        self.audit("auth/sign-in", "wrong-password")
        self.sign_in(email, PASSWORD)
        self.expect_path("/account")
        self.audit("account", "unverified")
        link = link_in(self.app, "verify_email", email=email)
        self.get(link)
        self.audit("auth/verified", "default")
        self.get(link)
        self.audit("auth/link-invalid", "default")

        # A request sent and a form saved with the account.
        http = Http.from_browser(driver, self.server)
        support.send_via_http(http, self.catalog.service("pothole"), self.files)
        draft = self.catalog.service(ACCOUNT_DRAFT)
        first = draft.questions[0]
        http.answer(ACCOUNT_DRAFT, first.code, {"value": sample_answer(draft, first)})
        http.to_browser(driver)
        self.get("/account")
        self.audit("account", "requests-and-drafts")
        self.get(f"/report/{ACCOUNT_DRAFT}/save")
        self.audit(f"report/{ACCOUNT_DRAFT}/save", "account")
        self.get("/account/export")
        self.audit("account/export", "default")

        # The session-timeout dialog, open.
        with short_idle():
            self.get("/account")
            dialog = driver.find_element(By.CSS_SELECTOR, 'dialog[data-module="session-timeout"]')
            wait(driver).until(lambda d: dialog.get_property("open"),
                               message="the session-timeout dialog did not open")
            self.audit("account", "session-timeout")
            ActionChains(driver).send_keys(Keys.ESCAPE).perform()

        # Contact preferences: as held, with errors, saved.
        self.get("/account/preferences")
        self.audit("account/preferences", "filled")
        choose(driver, "channel", "text")
        fill_text(driver, "phone", "")
        fill_text(driver, "state", "Virginia")
        submit(driver)
        self.expect_errors("account/preferences")
        self.audit("account/preferences", "errors")
        fill_text(driver, "phone", "202 555 0143")
        fill_text(driver, "state", "")
        submit(driver)
        self.expect_path("/account")
        self.audit("account", "preferences-saved")

        # Change the email address.
        new_email = self.email("resident.new")
        self.get("/account/email")
        self.audit("account/email", "empty")
        submit(driver)
        self.expect_errors("account/email")
        self.audit("account/email", "errors")
        fill_text(driver, "email", new_email)
        fill_text(driver, "password", "not the password at all")
        submit(driver)
        self.expect_errors("account/email")
        self.audit("account/email", "wrong-password")
        fill_text(driver, "email", new_email)
        fill_text(driver, "password", PASSWORD)
        submit(driver)
        self.expect_path("/account/check-email")
        self.audit("auth/check-email", "email-change")
        self.get(link_in(self.app, "verify_email", email=new_email))  # the link to confirm it
        self.audit("auth/email-changed", "default")

        # Change the password.
        self.get("/account/password")
        self.audit("account/password", "empty")
        fill_text(driver, "current", PASSWORD)
        fill_text(driver, "password", WEAK_PASSWORD)
        submit(driver)
        self.expect_errors("account/password")
        self.audit("account/password", "weak-password")
        fill_text(driver, "current", "not the password at all")
        fill_text(driver, "password", NEW_PASSWORD)
        submit(driver)
        self.expect_errors("account/password")
        self.audit("account/password", "wrong-password")
        fill_text(driver, "current", PASSWORD)
        fill_text(driver, "password", NEW_PASSWORD)
        submit(driver)
        self.expect_path("/account")
        self.audit("account", "password-changed")

        # Delete the saved form.
        self.click(f"main a[href*='/report/{ACCOUNT_DRAFT}/delete/']")
        self.audit(f"report/{ACCOUNT_DRAFT}/delete", "default")
        submit(driver)
        self.expect_path("/account")
        self.audit("account", "draft-deleted")

        # Sign out; signed out for doing nothing.
        self.click("header form button[type=submit]")  # Sign out
        self.expect_path("/account/signed-out")
        self.audit("auth/signed-out", "default")
        self.get("/account/timed-out")
        self.audit("auth/timed-out", "default")

        # Signing in with the provider: every refusal a browser can reach.
        self.get("/account/provider/start")
        self.audit("auth/provider-error", "unavailable")
        self.get("/account/provider/callback", error="access_denied")
        self.audit("auth/provider-error", "cancelled")
        self.get("/account/provider/callback")
        self.audit("auth/provider-error", "expired")
        self.get("/account/provider/callback", error="invalid_request")
        self.audit("auth/provider-error", "refused")

        # Forgot the password: a link to choose a new one.
        self.get("/account/forgot")
        self.audit("auth/forgot", "empty")
        submit(driver)
        self.expect_errors("auth/forgot")
        self.audit("auth/forgot", "errors")
        fill_text(driver, "email", new_email)
        submit(driver)
        self.expect_path("/account/check-email")
        self.audit("auth/check-email", "reset")
        self.get(link_in(self.app, "reset_password", email=new_email))
        self.audit("auth/reset", "empty")
        fill_text(driver, "password", WEAK_PASSWORD)
        submit(driver)
        self.expect_errors("auth/reset")
        self.audit("auth/reset", "weak-password")
        fill_text(driver, "password", PASSWORD)
        submit(driver)
        self.expect_path("/account")

        # Delete the account.
        self.get("/account/delete")
        self.audit("account/delete", "empty")
        submit(driver)
        self.expect_errors("account/delete")
        self.audit("account/delete", "errors")
        fill_text(driver, "password", PASSWORD)
        tick(driver, "confirm")
        submit(driver)
        self.expect_path("/account/deleted")
        self.audit("auth/deleted", "default")

    def sign_in(self, email: str, password: str) -> None:
        fill_text(self.driver, "email", email)
        fill_text(self.driver, "password", password)
        submit(self.driver)


