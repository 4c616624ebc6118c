"""The staff workspace as a new member of staff first tries it after ``make run``: the demo data from
``seed-demo``, the demo staff's password from its output and their code from ``staff-demo-code``,
then only the pages, following the links and forms the pages show.

The caseworker takes the next case, asks the resident for more information with a response
template (previewing the email first), the resident answers online and the caseworker resolves it;
a contact-centre agent enters a pothole for a Spanish-speaking caller, who gets the receipt as a
text message in Spanish; the supervisor bulk-assigns five overdue cases; a caseworker of another
department gets 404 for a case until it is transferred to them; the resident's tracking page lists
each time staff opened the case."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.cases import workflow
from portal.models import AuditRecord, Case, Notification
from portal.notify.render import render

from ..conftest import post_form
from ..helpers import POTHOLE_ANSWERS, reference_on

ROW = re.compile(r"^\s+([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3})\s+(.+?)\s{2,}\S+\s+\S+\s+(\S+)\s+(?:sign in as|track with) (.+)$",
                 re.MULTILINE)
PASSWORD = re.compile(r"with password '([^']+)'")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def demo(app):
    """What ``seed-demo`` printed: the staff password, and each request's reference by its resident."""
    printed = app.test_cli_runner().invoke(args=["seed-demo"])
    assert printed.exit_code == 0, printed.output
    requests = {}
    for reference, service, status, who in ROW.findall(printed.output):
        requests.setdefault(who.strip(), []).append((reference, service.strip(), status))
    return {"password": PASSWORD.search(printed.output).group(1), "requests": requests}


def body(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def form_of(page: str, action: str, *, here: str | None = None) -> tuple[dict[str, str], str]:
    """The hidden fields of the form posting to ``action`` on ``page`` (whose own address is
    ``here``: a form without an action posts there), and that form's html."""
    for found in re.finditer(r"<form\b([^>]*)>.*?</form>", page, re.S):
        form, opening = found.group(0), found.group(1)
        target = re.search(r'action="([^"?]*)', opening)
        if (target and target.group(1) == action) or ("action=" not in opening and here == action):
            hidden = {}
            for tag in re.findall(r"<input\b[^>]*>", form):
                attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
                if attributes.get("type") == "hidden" and "name" in attributes:
                    hidden[attributes["name"]] = attributes.get("value", "")
            return hidden, form
    raise AssertionError(f"no form posts to {action}")


def sign_in(app, email: str, password: str):
    client = app.test_client()
    assert post_form(client, "/staff/sign-in", {"email": email, "password": password}).status_code == 302
    code = app.test_cli_runner().invoke(args=["staff-demo-code", email])
    assert code.exit_code == 0, code.output
    signed = post_form(client, "/staff/sign-in/code", {"code": re.search(r"\b\d{6}\b", code.output).group(0)})
    assert signed.status_code == 302 and signed.location.endswith("/staff/"), signed.location
    return client


def notifications(db_session, reference: str, template: str) -> list[Notification]:
    db_session.rollback()
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    return list(db_session.scalars(select(Notification).filter_by(case_id=case.id, template=template)
                                   .order_by(Notification.id)))


def test_a_caseworker_takes_the_next_case_asks_the_resident_and_resolves_it(app, demo, db_session):
    (mina_case, service, status), = demo["requests"]["mina@example.com"]
    assert (service, status) == ("Pothole", workflow.RECEIVED)
    caseworker = sign_in(app, "caseworker@riverton.example", demo["password"])

    queue = body(caseworker.get("/staff/"))
    hidden, _form = form_of(queue, "/staff/take-next")
    taken = caseworker.post("/staff/take-next", data=hidden)
    # The most urgent case of public works: the large pothole in a traffic lane, a hazard to life.
    assert taken.status_code == 302 and taken.location.endswith(f"/staff/cases/{mina_case}")
    case_page = body(caseworker.get(taken.location))
    assert "Mina Park" in case_page and "a danger to life" in case_page  # the priority rule's reason
    assert "Assigned to Casey Caseworker" in case_page  # in the history

    # Start the review, then ask for more information with the demo's response template, previewing
    # the email first.
    review = f"/staff/cases/{mina_case}/act/review"
    assert f'href="{review}"' in case_page
    hidden, _form = form_of(body(caseworker.get(review)), review)
    assert caseworker.post(review, data={**hidden, "send": "1"}).status_code == 302
    case_page = body(caseworker.get(f"/staff/cases/{mina_case}"))
    act = f"/staff/cases/{mina_case}/act/request_information"
    assert f'href="{act}"' in case_page
    page = body(caseworker.get(act))
    hidden, form = form_of(page, act)
    template = re.search(r'name="template" value="(\d+)"[^>]*>\s*<label[^>]*>Which lane</label>', form).group(1)
    filled = body(caseworker.post(act, data={**hidden, "template": template, "use_template": "1"}))
    question = f"Which lane is the pothole in? Please tell us which way traffic goes there ({mina_case})."
    assert question in filled
    hidden, _form = form_of(filled, act)
    shown = caseworker.post(act, data={**hidden, "template": template, "public_note": question, "preview": "1"})
    preview = body(shown)
    assert shown.status_code == 200 and "What the resident will receive" in preview and question in preview
    assert notifications(db_session, mina_case, workflow.INFO_REQUESTED) == []  # a preview sends nothing
    hidden, _form = form_of(preview, act)
    sent = caseworker.post(act, data={**hidden, "template": template, "public_note": question, "send": "1"})
    assert sent.status_code == 302
    asked, = notifications(db_session, mina_case, workflow.INFO_REQUESTED)
    email = render(app, asked)
    assert (asked.channel, asked.recipient["email"]) == ("email", "mina@example.com") and question in email.text

    # The resident finds the request with its reference and her email address, and answers online.
    resident = app.test_client()
    found = post_form(resident, "/track", {"reference": mina_case, "contact": "mina@example.com"})
    assert found.status_code == 302
    tracking = body(resident.get(found.location))
    assert question in tracking
    page = found.location.split("?")[0]
    answered = post_form(resident, f"{page}/answer", {"answer": "The northbound lane, by the bridge rail."},
                         token_from=page)
    assert answered.status_code == 302

    # The caseworker sees the answer and resolves the case; the resident is told.
    case_page = body(caseworker.get(f"/staff/cases/{mina_case}"))
    assert "The northbound lane, by the bridge rail." in case_page
    resolve = f"/staff/cases/{mina_case}/act/resolve"
    hidden, _form = form_of(body(caseworker.get(resolve)), resolve)
    done = caseworker.post(resolve, data={**hidden, "public_note": "We filled the pothole today.", "send": "1"})
    assert done.status_code == 302
    db_session.rollback()
    assert db_session.scalar(select(Case.status).filter_by(reference=mina_case)) == workflow.RESOLVED
    told = notifications(db_session, mina_case, workflow.DECIDED)
    assert told and "We filled the pothole today." in render(app, told[-1]).text

    # Her tracking page lists every time staff opened the case, by department, never by name.
    opened = db_session.scalars(select(AuditRecord).filter_by(action="case.read", target_id=mina_case, outcome="success")).all()
    assert len(opened) >= 3
    tracking = body(resident.get(page))
    assert tracking.count("Public Works") >= len(opened) and "Casey" not in tracking


def test_an_agent_enters_a_pothole_and_the_caller_gets_a_spanish_text(app, demo, db_session):
    agent = sign_in(app, "agent@riverton.example", demo["password"])
    start = "/staff/enter/pothole"
    assert f'href="{start}"' in body(agent.get("/staff/enter/"))
    assert post_form(agent, start, {"channel": "phone", "locale": "es"}).status_code == 302
    for qcode, data in POTHOLE_ANSWERS:
        assert post_form(agent, f"{start}/q/{qcode}", data).status_code == 302, qcode
    caller = {"name": "Rosa Vega", "email": "", "phone": "202 555 0199", "channel": "text", "locale": "es",
              "want_updates": "y", "want_reminders": "", "consent": "yes"}
    assert post_form(agent, f"{start}/resident/details", caller).status_code == 302
    sent = post_form(agent, f"{start}/check", {})
    assert sent.status_code == 302
    reference = reference_on(body(agent.get(sent.location)))
    receipt, = notifications(db_session, reference, "case_received")
    assert (receipt.channel, receipt.locale, receipt.recipient["phone"]) == ("sms", "es", "+12025550199")
    text = render(app, receipt).text
    assert "recibimos su solicitud" in text and reference in text


def test_a_supervisor_assigns_five_overdue_cases_at_once(app, demo, db_session):
    supervisor = sign_in(app, "supervisor@riverton.example", demo["password"])
    overdue = body(supervisor.get("/staff/?view=all&overdue=1"))
    chosen = re.findall(r'name="case" value="([A-Z0-9-]{11}:\d+)"', overdue)
    assert len(chosen) >= 5
    hidden, form = form_of(overdue, "/staff/bulk/")
    casey = re.search(r'<option value="(assign:\d+)"[^>]*>[^<]*Casey Caseworker', form).group(1)
    confirm = supervisor.post("/staff/bulk/", data={**hidden, "action": casey, "case": chosen[:5]})
    assert confirm.status_code == 200 and "5 cases will be assigned to Casey Caseworker." in body(confirm)
    hidden, _form = form_of(body(confirm), "/staff/bulk/apply")
    applied = supervisor.post("/staff/bulk/apply", data={**hidden, "action": casey, "case": chosen[:5]})
    assert applied.status_code == 302
    references = [c.split(":")[0] for c in chosen[:5]]
    db_session.rollback()
    assigned = db_session.scalars(select(Case).where(Case.reference.in_(references))).all()
    assert {c.assignee_id for c in assigned} == {int(casey.split(":")[1])}
    mine = body(sign_in(app, "caseworker@riverton.example", demo["password"]).get("/staff/?view=mine"))
    assert all(reference in mine for reference in references)


def test_another_departments_caseworker_gets_404_until_the_case_is_transferred(app, demo, db_session):
    (reference, _service, _status), = [r for r in demo["requests"]["ruth@example.com"] if r[1] == "Pothole"]
    sanitation = sign_in(app, "sanitation@riverton.example", demo["password"])
    assert sanitation.get(f"/staff/cases/{reference}").status_code == 404
    assert reference not in body(sanitation.get("/staff/?view=all"))

    supervisor = sign_in(app, "supervisor@riverton.example", demo["password"])
    transfer = f"/staff/cases/{reference}/transfer"
    assert f'href="{transfer}"' in body(supervisor.get(f"/staff/cases/{reference}"))
    hidden, _form = form_of(body(supervisor.get(transfer)), transfer, here=transfer)
    moved = supervisor.post(transfer, data={**hidden, "department": "sanitation",
                                            "reason": "The hole is a broken drain cover: sanitation's."})
    assert moved.status_code in (200, 302)
    assert sanitation.get(f"/staff/cases/{reference}").status_code == 200
    assert supervisor.get(f"/staff/cases/{reference}").status_code == 404
