"""``flask --app portal seed-demo``: demo residents and requests with their histories, made once
however often it runs, in development only; what it prints is enough to look at each request."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.cases import workflow
from portal.cases.contact import format_phone
from portal.config import SHIPPED_LOCALES
from portal.demo import RESIDENTS, STORIES
from portal.demo.build import Answer, NotFixed, Rate, Staff, Withdraw
from portal.models import Account, AuditRecord, Case, CaseEvent, Document, Notification

from ..conftest import post_form

SERVICES = Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services"
MODELS = (Account, Case, CaseEvent, Document, Notification)
ROW_RE = re.compile(r"^\s+([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3})\s+.*?\s(\S+)\s+(sign in as|track with) (.+)$", re.MULTILINE)


def counts(db_session) -> dict[str, int]:
    db_session.rollback()  # see what the command committed
    return {m.__name__: db_session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def statuses_after(steps) -> list[str]:
    """The statuses a case passes through when ``steps`` are played on it after it is received."""
    moves = {Answer: workflow.IN_REVIEW, NotFixed: workflow.IN_REVIEW, Withdraw: workflow.WITHDRAWN}
    out = [workflow.RECEIVED]
    for step in steps:
        if isinstance(step, Staff):
            out.append(step.to)
        elif not isinstance(step, Rate):
            out.append(moves[type(step)])
    return out


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_running_it_twice_makes_nothing_twice(app, seeded, db_session):
    first = counts(db_session)
    assert first["Case"] == len(STORIES) and first["Account"] == sum(1 for r in RESIDENTS if r.password)
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert counts(db_session) == first
    assert "Nothing new" in again.output and "Made now" in seeded
    # The second run lists the same requests, in the same order.
    assert ROW_RE.findall(again.output) == ROW_RE.findall(seeded)


def test_each_request_has_its_story_as_its_history(seeded, db_session):
    rows = ROW_RE.findall(seeded)
    assert len(rows) == len(STORIES)
    for story, (reference, status, _how, _who) in zip(STORIES, rows, strict=True):
        case = db_session.scalar(select(Case).filter_by(reference=reference))
        assert (case.service_code, case.locale) == (story.service, story.resident.locale)
        passed = [e.status_to for e in case.events]
        assert passed == statuses_after(story.steps) and case.status == status == passed[-1], story.service
        staff = [s for s in story.steps if isinstance(s, Staff)]
        noted = [(e.public_note, e.internal_note) for e in case.events if e.actor.startswith("staff:demo:")]
        assert noted == [(s.public, s.internal) for s in staff], story.service
        residents = [e.resident_note for e in case.events if e.resident_note]
        assert residents == [s.text if hasattr(s, "text") else s.reason for s in story.steps
                             if isinstance(s, Answer | NotFixed | Withdraw)], story.service
    # Between them: every status, every kind of service, and requests in every shipped language.
    cases = db_session.scalars(select(Case)).all()
    assert {c.status for c in cases} == set(workflow.STATUSES)
    assert {c.kind for c in cases} == set(workflow.WORKFLOWS)
    assert {c.locale for c in cases} == set(SHIPPED_LOCALES)
    # Files answered and files sent with answers are stored documents; the rating is kept.
    assert db_session.scalar(select(func.count()).select_from(Document).where(Document.event_id.is_not(None))) == 3
    assert db_session.scalar(select(func.count()).select_from(Case).where(Case.rating == 5)) == 1
    assert db_session.scalar(select(func.count()).select_from(AuditRecord)
                             .filter_by(action="case.submit", source="cli")) == len(STORIES)


def test_what_it_prints_lets_you_look_at_each_request(app, seeded):
    residents = {r.email: r for r in RESIDENTS if r.password}
    for email, resident in residents.items():
        assert f"{email:<22} password: {resident.password}" in seeded
    for number, (reference, _status, how, who) in enumerate(ROW_RE.findall(seeded), start=1):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number}"  # each from a browser of its own
        if how == "sign in as":
            signed_in = post_form(client, "/account/sign-in", {"email": who, "password": residents[who].password})
            assert signed_in.status_code == 302, who
            assert f'href="/track/case/{reference}"' in client.get("/account").get_data(as_text=True)
        else:
            tracked = post_form(client, "/track", {"reference": reference, "contact": who})
            assert tracked.status_code == 302 and tracked.location.endswith(f"/track/case/{reference}"), who
        page = client.get(f"/track/case/{reference}")
        assert page.status_code == 200, reference
        story = STORIES[[r for r, *_ in ROW_RE.findall(seeded)].index(reference)]
        shown = page.get_data(as_text=True)
        for step in story.steps:
            if isinstance(step, Staff) and step.public:
                assert step.public in shown, (reference, step.public)
            if isinstance(step, Staff) and step.internal:
                assert step.internal not in shown, (reference, step.internal)
    assert f"track with {format_phone('+12025550131')}" in seeded


def test_it_refuses_to_run_in_production(app_settings, db_session):
    production = create_app({**app_settings, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40})
    try:
        result = production.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        production.extensions["db_engine"].dispose()
    assert result.exit_code != 0
    assert "does not run in production" in result.output
    assert counts(db_session) == dict.fromkeys((m.__name__ for m in MODELS), 0)


def test_with_another_catalog_it_makes_what_fits_and_says_what_it_skipped(app, app_settings, tmp_path, db_session):
    catalog = tmp_path / "catalog"
    shutil.copytree(SERVICES, catalog)
    (catalog / "graffiti.yaml").unlink()
    pothole = catalog / "pothole.yaml"
    pothole.write_text(pothole.read_text(encoding="utf-8").replace("code: size", "code: diameter")
                       .replace("question: size", "question: diameter"), encoding="utf-8")
    other = create_app({**app_settings, "CATALOG_DIR": str(catalog)})
    try:
        result = other.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        other.extensions["db_engine"].dispose()
    assert result.exit_code == 0, result.output
    assert "graffiti skipped: this catalog has no such service" in result.output
    assert ("pothole skipped: the demo's answers do not fit this catalog's service (diameter is unanswered)"
            in result.output)
    assert counts(db_session)["Case"] == len(STORIES) - sum(1 for s in STORIES if s.service in ("graffiti", "pothole"))


def test_the_demo_response_templates_are_made_once(app, seeded, db_session):
    from portal.demo.responses import TEMPLATES
    from portal.models import ResponseTemplate

    made = db_session.scalars(select(ResponseTemplate)).all()
    assert {(t.service_code, t.action, t.name) for t in made} == {(f.service_code, f.action, f.name) for f in TEMPLATES}
    assert all(set(t.texts) == set(app.config["SHIPPED_LOCALES"]) for t in made)
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "Demo response templates: 0 added" in again.output
