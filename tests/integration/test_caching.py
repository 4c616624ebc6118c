"""Pages that show personal data are never stored by the browser or a proxy (Cache-Control:
no-store): every page the crawl reaches is checked, as a guest and as a signed-in resident."""

from __future__ import annotations

from .crawl import answer_service, crawl, send_reports, services_listed, sign_in_as_resident
from .crawl import app_without_rate_limits as app  # noqa: F401  (the crawl looks at many pages quickly)

# What the crawl's ordinary answers put on pages: name, email, street, phone, free text, a file name.
PERSONAL = ["Ana Díaz", "ana@example.com", "resident@example.com", "12 Main Street", "555-0143",
            "Seen last week", "plan.pdf"]


def test_every_page_that_shows_personal_data_is_not_stored(app, db_session):
    guest = app.test_client()
    services = services_listed(guest)
    for service in services:
        answer_service(guest, service.rpartition("/")[2])
    references = send_reports(guest, 1)
    resident = app.test_client()
    sign_in_as_resident(resident, db_session, "resident@example.com")
    answer_service(resident, "rental-assistance")
    references += send_reports(resident, 1)

    adapter = app.url_map.bind("localhost")
    personal, stored = set(), []
    for client, start in [(guest, ["/", *services, f"/track/case/{references[0]}"]),
                          (resident, ["/account", f"/track/case/{references[1]}"])]:
        for path, response in crawl(client, start).items():
            body = response.get_data(as_text=True)
            if response.status_code != 200 or not any(marker in body for marker in PERSONAL):
                continue
            personal.add(adapter.match(path.partition("?")[0])[0])
            if response.headers["Cache-Control"] != "no-store":
                stored.append(f"{path}: {response.headers['Cache-Control']}")
    assert not stored, "\n".join(stored)
    assert {"report.question", "report.group_item", "report.contact", "report.check", "tracking.case",
            "account.contact_preferences"} <= personal, personal
