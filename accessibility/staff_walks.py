"""The audit's walk through the staff workspace, and the page states it reaches.

A member of staff with the roles of a supervisor, a contact-centre agent, a department
administrator and a service designer, a colleague and cases of each kind are made in the live
server's database (``tests.staff.casework``); the walk signs in through the real pages, typing the
current code of the member's authenticator, opens every staff page, signs out, and signs in again
as a member it added (who sets up their authenticator app). A staff page joins the audit with a
line:

- ``OPENED``: a page a signed-in member opens by its address, in one state; the address may name
  one of the walk's cases (``{plain}``, ``{documents}``, ``{history}``, ``{neighbour}``,
  ``{duplicate}``);
- ``SIGNED_IN_FORMS``: a form (``StaffForm``), audited empty, sent empty (errors), sent with
  wrong values (a state of its own, if the form has one) and filled in, then sent (and the page
  it leads to audited, if it names one);
- or, where a page needs steps, in one of ``StaffWalks``' methods, with its (page, state,
  endpoint) in ``STEPS``.

Each audited state names the Flask endpoint that serves it: the walk checks that the page it audits
is that endpoint's, and ``tests/unit/test_staff_audit_coverage.py`` that every staff page is in the
plan. ``staff_plan()`` lists (page, state) pairs in the order the walk reaches them;
``audit.plan()`` puts them last. ``StaffWalks`` is one of the bases of ``audit.Auditor``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.browser.support import (
    answer_page,
    choose,
    choose_only,
    fill_answer,
    fill_contact,
    fill_item,
    fill_text,
    path_of,
    sample_answer,
    sample_item,
    short_idle,
    submit,
    wait,
    wait_for_new_page,
    wrong_answer,
)
from tests.factories import STAFF_PASSWORD
from tests.staff import Casework, casework, current_code, wrong_code

# The walk's member works cases as a supervisor (bulk changes, assigning), enters cases for
# residents, manages the members and the response templates of their departments, and previews
# and checks services.
WALK_ROLES = ("supervisor", "contact_centre", "department_admin", "service_designer")
ENTERED = "pothole"  # the service entered for a resident, and previewed
GROUPED = "rental-assistance"  # entered and previewed up to its repeating group (a household)
# A queue with several filters in its address, and one that no case matches.
FILTERED = "/staff/?view=all&status=received&status=in_review&service=pothole&department=public-works&sort=age"
NOTHING = "/staff/?view=mine&status=closed&language=ar&need=braille"
TOO_MANY = 201  # one more case than a bulk change takes


@dataclass(frozen=True)
class Opened:
    page: str
    state: str
    path: str  # may name a case of the walk: "/staff/cases/{plain}"
    endpoint: str


@dataclass(frozen=True)
class StaffForm:
    """A form audited "empty", "errors" (sent empty), ``wrong[0]`` (sent with the values
    ``wrong[1]``) and "filled" (with ``right``, before it is sent); then, if ``then`` names it,
    the page sending it leads to (``then``: page, state, endpoint). Values are typed into text
    fields by id, or choose the radio button (or tick the checkbox) of that name with that value.
    ``button`` names the submit button pressed, where the form has several."""

    page: str
    path: str  # may name a case of the walk, or a value: "{email}", "{password}", "{code}"
    endpoint: str
    right: Mapping[str, str]
    wrong: tuple[str, Mapping[str, str]] | None = None
    then: tuple[str, str, str] | None = None
    button: str | None = None
    states: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        wrong = (self.wrong[0],) if self.wrong else ()
        object.__setattr__(self, "states", ("empty", "errors", *wrong, "filled"))

    def steps(self) -> list[tuple[str, str, str]]:
        return [(self.page, state, self.endpoint) for state in self.states] + (
            [self.then] if self.then else []
        )


SIGN_IN = StaffForm(
    "staff/sign-in",
    "/staff/sign-in",
    "staff_auth.sign_in",
    right={"email": "{email}", "password": "{password}"},
    wrong=("wrong-password", {"email": "{email}", "password": "not the password at all"}),
)
SECOND_FACTOR = StaffForm(
    "staff/sign-in/code",
    "/staff/sign-in/code",
    "staff_auth.second_factor",
    right={"code": "{code}"},
    wrong=("wrong-code", {"code": "{wrong_code}"}),
)
QUEUE = "staff.queue"
CASE = "staff_case.case"
OPENED = (
    Opened("staff", "queue", "/staff/", QUEUE),
    Opened("staff", "filtered", FILTERED, QUEUE),
    Opened("staff", "nothing-found", NOTHING, QUEUE),
    Opened("staff", "unknown-filter", "/staff/?status=lost&sort=age", QUEUE),
    Opened("staff/cases/case", "default", "/staff/cases/{plain}", CASE),
    Opened("staff/cases/case", "questions-mine", "/staff/cases/{plain}?questions=mine", CASE),
    Opened("staff/cases/case", "documents-overdue", "/staff/cases/{documents}", CASE),
    Opened("staff/cases/case", "notes-and-history", "/staff/cases/{history}", CASE),
    Opened("staff/cases/case/assign", "default", "/staff/cases/{plain}/assign", "staff_actions.assign"),
    Opened("staff/templates", "none", "/staff/templates/", "staff_templates.index"),
)
TEMPLATE = StaffForm(
    "staff/templates/new",
    "/staff/templates/new",
    "staff_templates.edit",
    right={
        "name": "Which lane",
        "department": "public-works",
        "service_code": "pothole",
        "action": "request_information",
        "text_en": "Which lane is the pothole in? Reply about {{reference}}.",
        "text_es": "¿En qué carril está el bache? Responda sobre {{reference}}.",
        "text_ar": "في أي مسار توجد الحفرة؟ ردّ بخصوص {{reference}}.",
    },
    then=("staff/templates", "with-template", "staff_templates.index"),
)
SIGNED_IN_FORMS = (
    StaffForm(
        "staff/cases/case/note",
        "/staff/cases/{neighbour}/note",
        "staff_actions.note",
        right={"internal_note": "Cones put out; the crew is booked."},
    ),
    StaffForm(
        "staff/cases/case/act",
        "/staff/cases/{neighbour}/act/request_information",
        "staff_actions.act",
        right={"public_note": "Which lane is it in?"},
        then=("staff/cases/case/act", "message-preview", "staff_actions.act"),
        button="preview",
    ),
    StaffForm(
        "staff/cases/case/merge",
        "/staff/cases/{duplicate}/merge",
        "staff_transfer.merge",
        right={"primary": "{plain}", "note": "The same hole as the first report."},
        then=("staff/cases/case/merged", "default", "staff_transfer.merged"),
    ),
    StaffForm(
        "staff/cases/case/transfer",
        "/staff/cases/{neighbour}/transfer",
        "staff_transfer.transfer",
        right={"department": "transportation", "reason": "The hole is in a bus lane."},
        then=("staff/cases/case/transferred", "default", "staff_transfer.transferred"),
    ),
)
NEW_MEMBER = StaffForm(
    "staff/admin/staff/new",
    "/staff/admin/staff/new",
    "staff_admin.new_member",
    right={"name": "Noor Haddad", "email": "{newcomer}", "roles": "caseworker", "departments": "public-works"},
    wrong=("email-taken", {"name": "Casey Worker", "email": "{email}", "roles": "caseworker",
                           "departments": "public-works"}),
    then=("staff/admin/staff/created", "default", "staff_admin.new_member"),
)
VERIFY = StaffForm(
    "staff/verify",
    "/staff/verify?next=/staff/admin/staff/{colleague_id}",
    "staff_verify.verify",
    right={"password": "{password}"},
    wrong=("wrong-password", {"password": "not the password at all"}),
    then=("staff/admin/staff/member", "default", "staff_admin.member"),
)
SET_UP = StaffForm(
    "staff/sign-in/set-up",
    "/staff/sign-in/set-up",
    "staff_auth.set_up",
    right={"code": "{newcomer_code}"},
    wrong=("wrong-code", {"code": "{newcomer_wrong_code}"}),
    then=("staff/recovery-codes", "after-set-up", "staff_auth.set_up"),
)
NEW_CODES = StaffForm(
    "staff/account/recovery-codes",
    "/staff/account/recovery-codes",
    "staff_account.recovery_codes",
    right={"code": "{newcomer_next_code}"},
    wrong=("wrong-code", {"code": "{newcomer_wrong_code}"}),
    then=("staff/recovery-codes", "replaced", "staff_account.recovery_codes"),
)


def _entry_steps(catalog) -> list[tuple[str, str, str]]:
    base = f"staff/enter/{ENTERED}"
    questions = [q for q in _route(catalog.service(ENTERED))]
    return [
        ("staff/enter", "default", "staff_entry.services"),
        (base, "empty", "staff_entry.start"),
        (base, "errors", "staff_entry.start"),
        (base, "filled", "staff_entry.start"),
        *((f"{base}/q/{q.code}", "empty", "staff_entry.question") for q in questions),
        (f"{base}/q/{questions[0].code}", "errors", "staff_entry.question"),
        (f"{base}/resident", "empty", "staff_entry.contact"),
        (f"{base}/resident", "errors", "staff_entry.contact"),
        (f"{base}/resident", "earlier-details", "staff_entry.contact"),
        (f"{base}/resident/details", "offered", "staff_entry.contact"),
        (f"{base}/resident/details", "empty", "staff_entry.details"),
        (f"{base}/resident/details", "errors", "staff_entry.details"),
        (f"{base}/resident/details", "filled", "staff_entry.details"),
        (f"{base}/check", "default", "staff_entry.check"),
        (f"{base}/confirmation", "default", "staff_entry.confirmation"),
    ]


def _preview_steps(catalog) -> list[tuple[str, str, str]]:
    base = f"staff/preview/{ENTERED}"
    questions = [q for q in _route(catalog.service(ENTERED))]
    return [
        ("staff/preview", "default", "staff_preview.index"),
        (base, "default", "staff_preview.start"),
        *((f"{base}/q/{q.code}", "empty", "staff_preview.question") for q in questions),
        (f"{base}/q/{questions[0].code}", "errors", "staff_preview.question"),
        (f"{base}/contact", "empty", "staff_preview.contact"),
        (f"{base}/contact", "errors", "staff_preview.contact"),
        (f"{base}/check", "default", "staff_preview.check"),
        (f"{base}/sent", "default", "staff_preview.sent"),
        ("staff/preview/check", "empty", "staff_preview.check_definition"),
        ("staff/preview/check", "errors", "staff_preview.check_definition"),
        ("staff/preview/check", "problem", "staff_preview.check_definition"),
        (base, "checked-definition", "staff_preview.start"),
    ]


def _group_steps(catalog) -> list[tuple[str, str, str]]:
    question = next(q for q in _route(catalog.service(GROUPED)) if q.datatype == "group")
    steps = []
    for part, blueprint in (("enter", "staff_entry"), ("preview", "staff_preview")):
        page = f"staff/{part}/{GROUPED}/q/{question.code}"
        steps += [
            (page, "empty", f"{blueprint}.question"),
            (f"{page}/item", "empty", f"{blueprint}.group_item"),
            (f"{page}/item", "errors", f"{blueprint}.group_item"),
            (page, "with-items", f"{blueprint}.question"),
        ]
    return steps


def _route(definition) -> list:
    from .walks import route

    return route(definition)


def staff_steps(catalog) -> list[tuple[str, str, str]]:
    """(page, state, endpoint) of every staff page state, in the order the walk reaches them."""
    queue = [
        ("staff", "save-view-errors", "staff.save_view"),
        ("staff", "saved-view", QUEUE),
        ("staff", "bulk-nothing-chosen", "staff_bulk.confirm"),
        ("staff", "bulk-too-many", "staff_bulk.confirm"),
        ("staff/bulk", "problems", "staff_bulk.confirm"),
        ("staff/bulk", "default", "staff_bulk.confirm"),
        ("staff", "bulk-done", QUEUE),
    ]
    act = [
        ("staff/cases/case/act", "template-used", "staff_actions.act"),
        ("staff/cases/case/act", "stale", "staff_actions.act"),
    ]
    templates = [
        ("staff/templates/edit", "default", "staff_templates.edit"),
        ("staff/templates/edit", "errors", "staff_templates.edit"),
    ]
    admin = [("staff/admin/staff", "default", "staff_admin.members")]
    member = [
        ("staff/admin/staff/member", "errors", "staff_admin.member"),
        ("staff/admin/staff", "changed", "staff_admin.members"),
        ("staff/admin/staff", "disabled", "staff_admin.members"),
    ]
    webhook_log = [
        ("staff/admin/webhooks", "default", "staff_webhooks.index"),
        ("staff/admin/webhooks/deliveries", "default", "staff_webhooks.deliveries"),
        ("staff/admin/webhooks/deliveries", "failed-only", "staff_webhooks.deliveries"),
        ("staff/admin/webhooks/deliveries", "none-shown", "staff_webhooks.deliveries"),
    ]
    ending = [
        ("staff", "session-timeout", QUEUE),
        ("staff/signed-out", "default", "staff_auth.signed_out"),
        ("staff/timed-out", "default", "staff_auth.timed_out"),
        ("staff/provider-error", "unavailable", "staff_auth.provider_start"),
        ("staff/provider-error", "cancelled", "staff_auth.provider_callback"),
        ("staff/provider-error", "expired", "staff_auth.provider_callback"),
        ("staff/provider-error", "refused", "staff_auth.provider_callback"),
    ]
    return (
        SIGN_IN.steps()
        + SECOND_FACTOR.steps()
        + [(o.page, o.state, o.endpoint) for o in OPENED]
        + queue
        + TEMPLATE.steps()
        + templates
        + [step for form in SIGNED_IN_FORMS[:2] for step in form.steps()]
        + act
        + [step for form in SIGNED_IN_FORMS[2:] for step in form.steps()]
        + _entry_steps(catalog)
        + _preview_steps(catalog)
        + _group_steps(catalog)
        + admin
        + NEW_MEMBER.steps()
        + VERIFY.steps()
        + member
        + webhook_log
        + ending
        + SET_UP.steps()
        + NEW_CODES.steps()
    )


def staff_plan(catalog) -> list[tuple[str, str]]:
    return [(page, state) for page, state, _endpoint in staff_steps(catalog)]


# The resident's language of the walk's main case: not the page's, so the switch is offered.
OTHER_LOCALE = {"en": "es", "es": "ar", "ar": "en"}


class Values(dict):
    """What the walk's addresses and fields name: the cases, the member's email and password, the
    colleague's id, the email of the member the walk adds ("newcomer"), and "code" (the member's
    authenticator's code, read when it is typed), "wrong_code", and the newcomer's codes once
    their authenticator is set up (``newcomer_secret``)."""

    def __init__(self, work: Casework, tag: str):
        super().__init__(vars(work), email=work.member.email, password=STAFF_PASSWORD,
                         colleague_id=str(work.colleague.id), newcomer=f"noor.{tag}@riverton.example")
        self.member = work.member
        self.newcomer_secret = ""

    def __missing__(self, key: str) -> str:
        codes = {"code": current_code, "wrong_code": wrong_code}
        if key in codes:
            return codes[key](self.member)
        if not key.startswith("newcomer_") or not self.newcomer_secret:
            raise KeyError(key)
        totp = pyotp.TOTP(self.newcomer_secret)
        if key == "newcomer_code":
            return totp.now()
        if key == "newcomer_next_code":
            return totp.at(time.time() + 30)
        if key == "newcomer_wrong_code":
            near = {totp.at(time.time() + 30 * offset) for offset in range(-3, 4)}
            return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
        raise KeyError(key)


class StaffWalks:
    """The staff walk added to ``audit.Auditor``."""

    driver: Any
    app: Any
    locale: str
    catalog: Any
    crawl_errors: list

    def staff(self) -> None:
        tag = f"audit-{self.locale}"
        work = casework(self.app, tag, resident_locale=OTHER_LOCALE[self.locale], roles=WALK_ROLES)
        values = Values(work, tag)
        self.endpoints = {(page, state): endpoint for page, state, endpoint in staff_steps(self.catalog)}
        self.staff_form(SIGN_IN, values)
        self.expect_path(SECOND_FACTOR.path)
        self.staff_form(SECOND_FACTOR, values)
        self.expect_path("/staff/")
        for page in OPENED:
            self.get(page.path.format_map(values))
            self.staff_audit(page.page, page.state)
        self.staff_queue(values)
        self.staff_form(TEMPLATE, values)
        self.staff_template_edit()
        for form in SIGNED_IN_FORMS[:2]:  # an internal note, a workflow action
            self.staff_form(form, values)
        self.staff_act(values)
        self.get("/staff/templates/")
        self.press("main table form.portal-inline-form button")  # the walk's template deleted again
        for form in SIGNED_IN_FORMS[2:]:  # merge, transfer
            self.staff_form(form, values)
        self.staff_entry(work)
        self.staff_preview()
        self.staff_group_items()
        self.get("/staff/admin/staff/")
        self.staff_audit("staff/admin/staff", "default")
        self.staff_form(NEW_MEMBER, values)
        newcomer_password = self.driver.find_element(By.CSS_SELECTOR, "dd.portal-secret code").text.strip()
        self.staff_form(VERIFY, values)
        self.staff_member_page(values)
        self.staff_webhook_log(work, tag)
        self.staff_timeout_warning()
        self.get("/staff/")
        self.sign_out()
        self.staff_audit("staff/signed-out", "default")
        self.get("/staff/timed-out")
        self.staff_audit("staff/timed-out", "default")
        self.staff_provider_errors()
        self.staff_newcomer(values, newcomer_password)

    # -- checking what is audited ------------------------------------------------------------

    def staff_audit(self, page: str, state: str) -> None:
        """Audit the page showing as (page, state), after checking that the endpoint the plan
        names for it is the one that served it."""
        endpoint = self.endpoints.get((page, state))
        served = self.served_by()
        if endpoint is None:
            self.crawl_errors.append(f"{self.locale}: {page} [{state}] is not in the staff plan")
        elif served != endpoint:
            self.crawl_errors.append(
                f"{self.locale}: {page} [{state}] was planned as {endpoint}, but "
                f"{self.driver.current_url} is {served}"
            )
        self.audit(page, state)

    def served_by(self) -> str | None:
        """The endpoint of the address showing (a page shown in answer to a form: its POST)."""
        adapter = self.app.url_map.bind("127.0.0.1")
        path = urlsplit(self.driver.current_url).path
        for method in ("GET", "POST"):
            try:
                return adapter.match(path, method=method)[0]
            except MethodNotAllowed:
                continue
            except NotFound:
                return None
        return None

    # -- the parts of the walk ---------------------------------------------------------------

    def press(self, css: str) -> None:
        """Press a button (or follow a link) and wait for the next page."""
        element = self.driver.find_element(By.CSS_SELECTOR, css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        wait_for_new_page(self.driver, element)

    def sign_out(self) -> None:
        self.press("header form[action$='/staff/sign-out'] button")
        self.expect_path("/staff/signed-out")

    def staff_queue(self, values: Mapping[str, str]) -> None:
        """Saving a view (with an error, then saved), and the bulk change: nothing chosen, too
        many, the confirmation (and its error), done."""
        driver = self.driver
        self.get(FILTERED)
        self.press("form.portal-staff-queue__save button[type=submit]")
        self.expect_errors("staff")
        self.staff_audit("staff", "save-view-errors")
        fill_text(driver, "name", "Potholes waiting")
        self.press("form.portal-staff-queue__save button[type=submit]")
        self.staff_audit("staff", "saved-view")
        self.get("/staff/", view="all")
        self.press("#bulk button[type=submit]")
        self.expect_errors("staff")
        self.staff_audit("staff", "bulk-nothing-chosen")
        self.get("/staff/", view="all")
        driver.execute_script(
            """const form = document.getElementById('bulk');
            for (let i = 0; i < arguments[0]; i++) {
              const box = document.createElement('input');
              box.type = 'hidden'; box.name = 'case'; box.value = 'AAA-AAA-' + String(i).padStart(3, '0');
              form.appendChild(box);
            }""",
            TOO_MANY,
        )
        self.press("#bulk button[type=submit]")
        self.expect_errors("staff")
        self.staff_audit("staff", "bulk-too-many")
        # Approving potholes: what cannot be done is shown case by case, and nothing is offered.
        self.bulk_change([values["duplicate"], values["neighbour"]], "status:approved")
        self.staff_audit("staff/bulk", "problems")
        self.bulk_change([values["duplicate"], values["neighbour"]], f"assign:{values['colleague_id']}")
        self.staff_audit("staff/bulk", "default")
        submit(driver)
        self.staff_audit("staff", "bulk-done")

    def bulk_change(self, references: list[str], action: str) -> None:
        """Tick the cases on the queue (by keyboard: focus, Space), choose what to do, check it."""
        driver = self.driver
        self.get("/staff/", view="all")
        for reference in references:
            box = driver.find_element(By.ID, f"case-{reference}")
            driver.execute_script("arguments[0].focus();", box)
            ActionChains(driver).send_keys(Keys.SPACE).perform()
            if not box.is_selected():
                raise AssertionError(f"the queue's box for {reference} was not ticked")
        Select(driver.find_element(By.ID, "bulk-action")).select_by_value(action)
        self.press("#bulk button[type=submit]")

    def staff_template_edit(self) -> None:
        self.press("main table a.usa-link")
        self.staff_audit("staff/templates/edit", "default")
        fill_text(self.driver, "name", "")
        submit(self.driver)
        self.expect_errors("staff/templates/edit")
        self.staff_audit("staff/templates/edit", "errors")

    def staff_act(self, values: Mapping[str, str]) -> None:
        """A workflow action's page with a response template chosen and used, and sent after the
        case changed in another window (the stale page)."""
        driver = self.driver
        self.get(f"/staff/cases/{values['neighbour']}/act/request_information")
        first = driver.find_element(By.CSS_SELECTOR, 'input[name="template"]')
        choose(driver, "template", first.get_attribute("value"))
        self.press('button[name="use_template"]')
        self.staff_audit("staff/cases/case/act", "template-used")
        self.get(f"/staff/cases/{values['documents']}/act/review")
        fill_text(driver, "internal_note", "Checked the permit's documents.")
        self.change_elsewhere(values["documents"])
        self.press('button[name="preview"]')
        self.staff_audit("staff/cases/case/act", "stale")

    def change_elsewhere(self, reference: str) -> None:
        """A note is added to the case in another window: its revision moves on."""
        from sqlalchemy import select

        from portal import db
        from portal.accounts import staff
        from portal.cases import notes
        from portal.models import Case, StaffMember

        with db.session_scope(self.app) as session:
            case = session.scalar(select(Case).filter_by(reference=reference))
            member = session.scalar(
                select(StaffMember).filter_by(email=f"staff.audit-{self.locale}@riverton.example")
            )
            notes.add(session, case, staff.actor_for(member), "Seen from the counter.")

    def staff_entry(self, work: Casework) -> None:
        """A case entered for a resident: the service, how they came and their language, each
        question page, who it is for (found by their earlier details), their contact details,
        check answers and the confirmation."""
        driver = self.driver
        definition = self.catalog.service(ENTERED)
        base = f"staff/enter/{ENTERED}"
        self.get("/staff/enter/")
        self.staff_audit("staff/enter", "default")
        self.press(f'main a[href$="/staff/enter/{ENTERED}"]')
        self.staff_audit(base, "empty")
        submit(driver)
        self.expect_errors(base)
        self.staff_audit(base, "errors")
        choose(driver, "channel", "phone")
        choose(driver, "locale", OTHER_LOCALE[self.locale])
        self.staff_audit(base, "filled")
        submit(driver)
        first = True
        for _ in range(len(definition.questions) + 1):
            parts = path_of(driver).strip("/").split("/")
            if parts[:3] != ["staff", "enter", ENTERED] or len(parts) != 5 or parts[3] != "q":
                break
            question = definition.question(parts[4])
            page = f"{base}/q/{question.code}"
            self.staff_audit(page, "empty")
            if first:
                fill_answer(driver, question.datatype, wrong_answer(question))
                submit(driver)
                self.expect_errors(page)
                self.staff_audit(page, "errors")
                first = False
            answer_page(driver, question.datatype, sample_answer(definition, question))
        self.expect_path(f"/{base}/resident")
        self.staff_audit(f"{base}/resident", "empty")
        submit(driver)
        self.expect_errors(f"{base}/resident")
        self.staff_audit(f"{base}/resident", "errors")
        fill_text(driver, "lookup", f"bo.audit-{self.locale}@example.com")
        submit(driver)
        self.staff_audit(f"{base}/resident", "earlier-details")
        self.press('main input[name="action"][value="earlier"] ~ button')
        self.staff_audit(f"{base}/resident/details", "offered")
        self.get(f"/{base}/resident/details")
        for name in ("name", "email", "phone"):
            fill_text(driver, name, "")
        self.staff_audit(f"{base}/resident/details", "empty")
        submit(driver)
        self.expect_errors(f"{base}/resident/details")
        self.staff_audit(f"{base}/resident/details", "errors")
        fill_contact(driver, name="Bo Lind", email=f"bo.audit-{self.locale}@example.com",
                     phone="202 555 0143", channel="email")
        choose(driver, "consent", "yes")
        self.staff_audit(f"{base}/resident/details", "filled")
        submit(driver)
        self.expect_path(f"/{base}/check")
        self.staff_audit(f"{base}/check", "default")
        submit(driver)
        self.expect_path(f"/{base}/confirmation")
        self.staff_audit(f"{base}/confirmation", "default")

    def staff_preview(self) -> None:
        """The services to preview; a service previewed from its start to "sent"; the check of a
        changed definition: empty, sent empty, a file with a problem, a file that passes."""
        driver = self.driver
        definition = self.catalog.service(ENTERED)
        base = f"staff/preview/{ENTERED}"
        self.get("/staff/preview/")
        self.staff_audit("staff/preview", "default")
        self.press(f'main a[href$="/staff/preview/published/{ENTERED}"]')
        self.staff_audit(base, "default")
        self.press("main a.usa-button")
        first = True
        for _ in range(len(definition.questions) + 1):
            parts = path_of(driver).strip("/").split("/")
            if parts[:2] != ["staff", "preview"] or len(parts) != 6 or parts[4] != "q":
                break
            question = definition.question(parts[5])
            page = f"{base}/q/{question.code}"
            self.staff_audit(page, "empty")
            if first:
                fill_answer(driver, question.datatype, wrong_answer(question))
                submit(driver)
                self.expect_errors(page)
                self.staff_audit(page, "errors")
                first = False
            answer_page(driver, question.datatype, sample_answer(definition, question))
        self.staff_audit(f"{base}/contact", "empty")
        fill_contact(driver, name="Ana Díaz", channel="email")
        submit(driver)
        self.expect_errors(f"{base}/contact")
        self.staff_audit(f"{base}/contact", "errors")
        fill_contact(driver, name="Ana Díaz", email="ana@example.com", phone="202 555 0143", channel="email")
        submit(driver)
        self.staff_audit(f"{base}/check", "default")
        submit(driver)
        self.staff_audit(f"{base}/sent", "default")
        self.get("/staff/preview/check")
        self.staff_audit("staff/preview/check", "empty")
        submit(driver)
        self.expect_errors("staff/preview/check")
        self.staff_audit("staff/preview/check", "errors")
        source = Path(self.app.config["CATALOG_DIR"]) / f"{ENTERED}.yaml"
        folder = Path(tempfile.mkdtemp(prefix="definition-"))
        broken = folder / f"{ENTERED}.yaml"
        broken.write_text(source.read_text(encoding="utf-8").replace("datatype: address", "datatype: adress", 1),
                          encoding="utf-8")
        driver.find_element(By.ID, "definition").send_keys(str(broken))
        submit(driver)
        self.expect_errors("staff/preview/check")
        self.staff_audit("staff/preview/check", "problem")
        driver.find_element(By.ID, "definition").send_keys(str(source))
        submit(driver)
        self.staff_audit(base, "checked-definition")

    def staff_group_items(self) -> None:
        """A repeating group (a household), as staff enter it for a resident and as a preview
        shows it: the list empty, a person's page empty and sent empty, the list with a person."""
        driver = self.driver
        definition = self.catalog.service(GROUPED)
        self.get(f"/staff/enter/{GROUPED}")
        choose(driver, "channel", "counter")
        choose(driver, "locale", self.locale)
        submit(driver)
        self.answer_to_group("enter", definition, depth=5)
        self.get(f"/staff/preview/published/{GROUPED}")
        self.press("main a.usa-button")
        self.answer_to_group("preview", definition, depth=6)

    def answer_to_group(self, part: str, definition, depth: int) -> None:
        """Answer the question pages under /staff/<part>/ until the repeating group's; audit it."""
        driver = self.driver
        for _ in range(len(definition.questions) + 1):
            parts = path_of(driver).strip("/").split("/")
            if len(parts) != depth or parts[-2] != "q":
                raise AssertionError(f"{part}/{GROUPED}: not a question page: {driver.current_url}")
            question = definition.question(parts[-1])
            if question.datatype == "group":
                break
            answer_page(driver, question.datatype, sample_answer(definition, question))
        else:
            raise AssertionError(f"{part}/{GROUPED}: the group was never asked")
        page = f"staff/{part}/{GROUPED}/q/{question.code}"
        self.staff_audit(page, "empty")
        self.press("#add-item")
        self.staff_audit(f"{page}/item", "empty")
        submit(driver)
        self.expect_errors(f"{page}/item")
        self.staff_audit(f"{page}/item", "errors")
        fill_item(driver, question, sample_item(question, 0))
        submit(driver)
        self.staff_audit(page, "with-items")

    def staff_member_page(self, values: Mapping[str, str]) -> None:
        """A member's page (reached after the password again): sent without a role, changed, and
        the member disabled."""
        driver = self.driver
        page = "staff/admin/staff/member"
        choose_only(driver, "roles", [])
        submit(driver)
        self.expect_errors(page)
        self.staff_audit(page, "errors")
        choose_only(driver, "roles", ["caseworker", "supervisor"])
        submit(driver)
        self.staff_audit("staff/admin/staff", "changed")
        self.get(f"/staff/admin/staff/{values['colleague_id']}")
        self.press(f'form[action$="/staff/admin/staff/{values["colleague_id"]}/disable"] button')
        self.staff_audit("staff/admin/staff", "disabled")

    def staff_webhook_log(self, work: Casework, tag: str) -> None:
        """The webhook delivery log, as a system administrator (the walker is one for these pages
        only): the subscriptions, one's deliveries (delivered, waiting with the receiver's answer,
        failed), only the failed ones, and a filter that shows none."""
        webhook_id = webhook_deliveries(self.app, tag)
        with_role(self.app, work.member.id, "system_admin")
        try:
            self.get("/staff/admin/webhooks/")
            self.staff_audit("staff/admin/webhooks", "default")
            self.press(f'a[href$="/staff/admin/webhooks/{webhook_id}"]')
            self.staff_audit("staff/admin/webhooks/deliveries", "default")
            self.get(f"/staff/admin/webhooks/{webhook_id}?status=failed")
            self.staff_audit("staff/admin/webhooks/deliveries", "failed-only")
            self.get(f"/staff/admin/webhooks/{webhook_id}?status=cancelled")
            self.staff_audit("staff/admin/webhooks/deliveries", "none-shown")
        finally:
            with_role(self.app, work.member.id, "system_admin", give=False)

    def staff_provider_errors(self) -> None:
        """Signing in through the agency's provider: every refusal a browser can reach."""
        self.get("/staff/provider/start")
        self.staff_audit("staff/provider-error", "unavailable")
        self.get("/staff/provider/callback", error="access_denied")
        self.staff_audit("staff/provider-error", "cancelled")
        self.get("/staff/provider/callback")
        self.staff_audit("staff/provider-error", "expired")
        self.get("/staff/provider/callback", error="invalid_request")
        self.staff_audit("staff/provider-error", "refused")

    def staff_newcomer(self, values: Values, password: str) -> None:
        """The member the walk added signs in for the first time: sets up their authenticator
        app, sees their recovery codes, and makes new ones."""
        driver = self.driver
        self.get("/staff/sign-in")
        fill_text(driver, "email", values["newcomer"])
        fill_text(driver, "password", password)
        submit(driver)
        self.expect_path(SET_UP.path)
        values.newcomer_secret = driver.find_element(By.CSS_SELECTOR, "#totp-secret code").text.replace(" ", "")
        self.staff_form(SET_UP, values)
        self.press("main a.usa-button")
        self.staff_form(NEW_CODES, values)
        self.get("/staff/")
        self.sign_out()

    def staff_timeout_warning(self) -> None:
        """The 15-minute warning, open: the session is made to end 2 minutes and 2 seconds after
        the page loads, so the warning opens 2 seconds after."""
        with short_idle(staff=True):
            self.get("/staff/")
            dialog = self.driver.find_element(
                By.CSS_SELECTOR, 'dialog[data-module="session-timeout"]'
            )
            wait(self.driver).until(
                lambda d: dialog.get_property("open"),
                message="the staff session-timeout dialog did not open",
            )
            self.staff_audit("staff", "session-timeout")
            ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()

    def staff_form(self, form: StaffForm, values: Mapping[str, str]) -> None:
        """Audit ``form`` in each of its states, then send it filled in."""
        self.get(form.path.format_map(values))
        self.staff_audit(form.page, "empty")
        self.send_form(form)
        self.expect_errors(form.page)
        self.staff_audit(form.page, "errors")
        if form.wrong:
            state, wrong = form.wrong
            self.fill(wrong, values)
            self.send_form(form)
            self.expect_errors(form.page)
            self.staff_audit(form.page, state)
        self.fill(form.right, values)
        self.staff_audit(form.page, "filled")
        self.send_form(form)
        if form.then:
            self.staff_audit(*form.then[:2])

    def send_form(self, form: StaffForm) -> None:
        if form.button:
            self.press(f'main form button[name="{form.button}"]')
        else:
            submit(self.driver)

    def fill(self, fields: Mapping[str, str], values: Mapping[str, str]) -> None:
        for name, value in fields.items():
            value = value.format_map(values)
            boxes = f'input[type=radio][name="{name}"], input[type=checkbox][name="{name}"]'
            if self.driver.find_elements(By.CSS_SELECTOR, boxes):
                choose(self.driver, name, value)
            else:
                fill_text(self.driver, name, value)


def with_role(app, member_id: int, role: str, *, give: bool = True) -> None:
    """Give a member of staff ``role`` (or take it away again), straight in the database."""
    from portal import db
    from portal.models import StaffMember

    with db.session_scope(app) as session:
        member = session.get(StaffMember, member_id)
        roles = set(member.roles) | {role} if give else set(member.roles) - {role}
        member.roles = sorted(roles)


def webhook_deliveries(app, tag: str) -> str:
    """A client's subscription with deliveries in each state the log shows: one delivered (204),
    one waiting for its next try after a 500, one failed. No worker runs: the log is set as a
    worker would have left it. Returns the subscription's id."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal import db
    from portal.accounts import api_clients, webhooks
    from portal.actors import system
    from portal.models import DeliveryAttempt, Notification
    from portal.models.base import utcnow
    from portal.notify.webhooks import EVENTS
    from tests import factories

    operator = system("audit")
    known = [d.code for d in app.extensions["catalog"].departments]
    with db.session_scope(app) as session:
        client, _secret = api_clients.create(session, operator, name=f"Works orders ({tag})", roles=["caseworker"],
                                             departments=["public-works"], known_departments=known)
        subscription, _secret = webhooks.create(session, operator, client, url=f"https://hooks.example.org/{tag}",
                                                events=list(EVENTS), allow_http=False)
        webhook_id, number = subscription.public_id, subscription.id
    factories.case(app, "pothole", "in_review", "resolved")
    now = utcnow()
    outcomes = (("sent", 1, 204, None), ("pending", 2, 500, "ReceiverError: the receiver answered 500"),
                ("failed", 8, None, "ConnectionError: the receiver could not be reached"))
    with db.session_scope(app) as session:
        notes = session.scalars(select(Notification).where(Notification.webhook_id == number)
                                .order_by(Notification.id)).all()
        for note, (status, tries, code, error) in zip(notes, outcomes, strict=False):
            note.status, note.attempts, note.last_error = status, tries, error
            note.next_attempt_at = now + timedelta(minutes=30)
            note.sent_at = now if status == "sent" else None
            session.add(DeliveryAttempt(notification_id=note.id, at=now, worker="audit", response_code=code,
                                        outcome="sent" if status == "sent" else "retry", error=error))
    return webhook_id

