"""The webhook delivery log: system administrators see every subscription and, per subscription,
each delivery's status, tries, the receiver's last answer and the next try; any other member of
staff gets a 404, and a visitor not signed in is sent to sign in."""

from __future__ import annotations

from .. import factories
from ..api import register
from ..staff import sign_in_staff
from .test_webhooks import receiver, run, subscribe  # noqa: F401


def _signed_in(app, member):
    client = app.test_client()
    assert sign_in_staff(client, member).status_code == 302
    return client


def test_system_administrators_read_the_delivery_log_and_no_one_else(app, receiver):
    works = register(app, "Works orders", departments=("public-works",))
    webhook_id, _secret = subscribe(app, works.client_id, receiver.url, "case.created", "case.status_changed")
    reference = factories.case(app, "pothole", "in_review").case.reference
    run(app, channels={})  # the receiver is down: two deliveries wait for their next try
    receiver.start()
    factories.case(app, "pothole")
    app.config["NOTIFY_MAX_ATTEMPTS"] = 8
    run(app, 0, channels={})  # the third goes at once

    admin = factories.staff_member(app, "admin@riverton.example", roles=("system_admin",), departments=())
    http = _signed_in(app, admin)
    index = http.get("/staff/admin/webhooks/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert "Works orders" in page and receiver.url in page and f"/staff/admin/webhooks/{webhook_id}" in page
    log = http.get(f"/staff/admin/webhooks/{webhook_id}")
    assert log.status_code == 200
    text = log.get_data(as_text=True)
    assert reference in text and "case.status_changed" in text and "Waiting<br>" in text and "Delivered</td>" in text
    assert "204" in text  # the receiver's answer to the one delivered
    assert "ConnectionError" in text  # why the others wait
    waiting = http.get(f"/staff/admin/webhooks/{webhook_id}?status=pending").get_data(as_text=True)
    assert "Delivered</td>" not in waiting and reference in waiting
    assert http.get(f"/staff/admin/webhooks/{webhook_id}?status=nonsense").status_code == 200
    assert http.get("/staff/admin/webhooks/wh_nothing").status_code == 404
    # In Spanish and Arabic too.
    for language in ("es", "ar"):
        assert http.get(f"/staff/admin/webhooks/{webhook_id}", headers={"Accept-Language": language}).status_code == 200

    for roles in (("caseworker",), ("supervisor",), ("department_admin",), ("auditor",)):
        member = factories.staff_member(app, f"{roles[0]}@riverton.example", roles=roles)
        other = _signed_in(app, member)
        assert other.get("/staff/admin/webhooks/").status_code == 404
        assert other.get(f"/staff/admin/webhooks/{webhook_id}").status_code == 404
        assert "/staff/admin/webhooks/" not in other.get("/staff/").get_data(as_text=True)
    stranger = app.test_client().get("/staff/admin/webhooks/")
    assert stranger.status_code == 302 and "/staff/sign-in" in stranger.headers["Location"]
