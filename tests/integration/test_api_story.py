"""The case API as a back-office system first uses it, on the demo data of ``seed-demo``: registered
with ``flask api-client-create``, it gets a token, subscribes a webhook receiver, lists the overdue
cases of its department, resolves one with a public note, and then the worker runs: the resident
receives the email on a real SMTP server, and the receiver a signed event of the change."""

from __future__ import annotations

from standardwebhooks import Webhook

from ..api import bearer, get_token, register
from .test_notify import notify_app, run_worker, smtp  # noqa: F401  (fixtures)
from .test_webhooks import Receiver, receiver  # noqa: F401  (fixtures)

NOTE = "We filled the pothole on Bridge Road this morning."


def overdue_cases(http, token: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = http.get("/api/v1/cases", query_string={"overdue": "true", **({"cursor": cursor} if cursor else {})},
                        headers=bearer(token))
        assert page.status_code == 200, page.get_data(as_text=True)
        body = page.get_json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


def test_a_back_office_system_resolves_an_overdue_case_and_everyone_hears_of_it(notify_app, smtp, receiver: Receiver):
    app = notify_app
    http = app.test_client()
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    works = register(app, "Works orders", departments=("public-works",),
                     scopes=("cases:read", "cases:act", "webhooks:manage"))
    token = get_token(http, works, "cases:read cases:act webhooks:manage")

    receiver.start()
    made = http.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["case.status_changed"]},
                     headers=bearer(token, **{"Idempotency-Key": "subscribe-1"}))
    assert made.status_code == 201, made.get_data(as_text=True)
    secret = made.get_json()["secret"]

    overdue = overdue_cases(http, token)
    assert overdue, "the demo data has overdue public works cases"
    assert {item["department"] for item in overdue} == {"public-works"}
    assert all(item["overdue"] for item in overdue)

    # The first overdue case with an email address: a received case is reviewed, then resolved,
    # each step with the ETag it was read with.
    reference = next(item["reference"] for item in overdue
                     if http.get(f"/api/v1/cases/{item['reference']}", headers=bearer(token)).get_json()["contact"]["email"])
    for step, body in (("review", {}), ("resolve", {"public_note": NOTE})):
        read = http.get(f"/api/v1/cases/{reference}", headers=bearer(token))
        assert step in read.get_json()["actions"], read.get_json()["actions"]
        acted = http.post(f"/api/v1/cases/{reference}/actions/{step}", json=body,
                          headers=bearer(token, **{"If-Match": read.headers["ETag"], "Idempotency-Key": f"{step}-1"}))
        assert acted.status_code == 200, acted.get_data(as_text=True)
    assert acted.get_json()["status"] == "resolved"
    case = read.get_json()

    run_worker(app)

    texts = [m.message.get_body(("plain",)).get_content() for m in smtp.messages
             if case["contact"]["email"] in m.rcpt_tos]
    told = [text for text in texts if NOTE in text]
    assert len(told) == 1 and reference in told[0]

    events = [Webhook(secret).verify(arrival["body"], arrival["headers"]) for arrival in receiver.received]
    assert [(e["type"], e["data"]["reference"], e["data"]["action"], e["data"]["status"]) for e in events] == [
        ("case.status_changed", reference, "review", "in_review"),
        ("case.status_changed", reference, "resolve", "resolved")]
    # The bodies name the case, never the resident or the note.
    for arrival in receiver.received:
        assert case["contact"]["email"] not in arrival["body"].decode() and NOTE not in arrival["body"].decode()
