"""Bad input never gets a 500: every route's path parameters, query parameters and form fields,
given oversized numbers, huge and negative ids, 1 MB strings, NUL and control characters, bytes
that are not UTF-8 (an unpaired surrogate, sent as its UTF-8-style bytes or %ED%A0%80), a
right-to-left override and impossible dates, as a guest and as a signed-in resident.

Nothing here is a hand-made list of pages: routes come from the app's URL map, pages and forms
from following the links on the pages and answering every service's questions (tests/integration/
crawl.py), query parameters from the links and the code that reads them. Each route is tried once
per kind of form or page, so the whole run stays short.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

from .crawl import (
    Form,
    answer_service,
    crawl,
    fill,
    local,
    parse,
    send,
    send_reports,
    services_listed,
    sign_in_as_resident,
)
from .crawl import app_without_rate_limits as app  # noqa: F401  (bad input is sent fast)
from .test_followup import move

ROOT = Path(__file__).resolve().parents[2]
SURROGATE = b"\xed\xa0\x80"  # U+D800 written as UTF-8 would write it: not valid UTF-8
FUZZ: list[bytes | str] = [
    "9223372036854775808",  # one past the largest 64-bit integer
    "9" * 30,  # an oversized number
    "-1",  # a negative number or id
    "1e999999999",  # a number no decimal context can hold
    "a\x00b",  # NUL
    "\x01\x07\x1b[2J\r\n\t\x7f",  # control characters
    SURROGATE,  # in a body as raw bytes; in a URL or form body percent-encoded: %ED%A0%80
    b"\xc0\xaf\x80\xff",  # an overlong slash, a stray continuation byte, a byte never in UTF-8
    "\u202egnp.exe",  # a right-to-left override
]
SHORT = ["9223372036854775808", "a\x00b", SURROGATE, "\u202e"]  # for choices, buttons and tokens
FILE_NAMES: list[bytes | str] = ["a\x00b.png", SURROGATE + b".png", "\u202egnp.exe", "../../etc/passwd", "x" * 5000]
MEGABYTE = "x" * (1024 * 1024)
IMPOSSIBLE_DATES = [("31", "2", "2025"), ("0", "1", "2025"), ("1", "0", "2025"), ("1", "13", "2025"),
                    ("1", "1", "99999"), ("29", "2", "2023")]
NAMED_IN_CODE = re.compile(r"""request\.args\.get\(\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.args""")


class Run:
    """Sends requests and keeps every one that got a 500 or showed a traceback."""

    def __init__(self, app):
        self.app, self.failures, self.count = app, [], 0
        self.adapter = app.url_map.bind("localhost")

    def check(self, what: str, response) -> None:
        self.count += 1
        body = response.get_data()
        if response.status_code >= 500 or b"Traceback" in body:
            self.failures.append(f"{response.status_code} {what}")

    def endpoint(self, path: str, method: str = "GET"):
        try:
            return self.adapter.match(urlsplit(path).path, method=method)
        except Exception:  # noqa: BLE001 - not a route (404) or not for this method
            return None, {}


def shown(value: bytes | str) -> str:
    return repr(value if len(value) < 40 else value[:20] + value[-5:])


def in_url(value: bytes | str) -> str:
    return quote(value, safe="")


# --- Finding the pages ----------------------------------------------------------------------

def query_names(pages: dict[str, str], forms: list[Form]) -> list[str]:
    """Query parameters: those in the links on the pages, in forms sent by GET, and read by the code."""
    names = {name for path in pages for name, _ in parse_qsl(urlsplit(path).query, keep_blank_values=True)}
    names |= {name for form in forms if form.method == "get" for name in form.names()}
    for source in [*ROOT.joinpath("portal").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]:
        names |= {a or b for a, b in NAMED_IN_CODE.findall(source.read_text(encoding="utf-8"))}
    return sorted(names)


def signature(run: Run, form: Form) -> tuple:
    """Forms of one kind: the same route, with fields of the same names, kinds and input modes."""
    endpoint, _ = run.endpoint(form.action, form.method.upper())
    return endpoint, tuple((f.name.rpartition("-")[2], f.kind, f.attrs.get("inputmode", "")) for f in form.fields)


# --- Trying bad input -------------------------------------------------------------------------

def fuzz_paths(run: Run, client, examples: dict[str, dict], token: str) -> None:
    """Each path parameter of each route, with every bad value (the others kept as seen)."""
    for rule in run.app.url_map.iter_rules():
        if not rule.arguments:
            continue
        known = examples.get(rule.endpoint, {})
        method = "GET" if "GET" in rule.methods else "POST"
        for argument in sorted(rule.arguments):
            for value in [*FUZZ, MEGABYTE]:
                values = {name: in_url(str(known.get(name, "x"))) for name in rule.arguments}
                values[argument] = in_url(value)
                path = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
                response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
                run.check(f"{method} {rule.rule} {argument}={shown(value)}", response)


def fuzz_queries(run: Run, client, examples: dict[str, str], names: list[str]) -> None:
    """Every query parameter at once on one page of each route, with every bad value; 1 MB in each
    parameter and on each route, in turn (a page repeats its query in its language links, so a
    1 MB query makes a 3 MB page: too slow to try every pair)."""
    routes = sorted(examples.items())
    for endpoint, path in routes:
        base = urlsplit(path).path
        for value in FUZZ:
            query = "&".join(f"{name}={in_url(value)}" for name in names)
            run.check(f"GET {base}?…={shown(value)} ({endpoint})", client.get(f"{base}?{query}"))
    for n in range(max(len(names), len(routes))):
        (endpoint, path), name = routes[n % len(routes)], names[n % len(names)]
        base = urlsplit(path).path
        run.check(f"GET {base}?{name}=1 MB ({endpoint})", client.get(f"{base}?{name}={MEGABYTE}"))


def bad_pairs(form: Form) -> Iterator[tuple[str, list]]:
    """The form filled in as a resident would, with one field at a time made bad."""
    names = form.names()
    texts = [name for name in names if form.kind_of(name) not in ("radio", "checkbox", "hidden", "submit", "file")]
    for name in names:
        if form.kind_of(name) == "file":
            continue
        # Choices, buttons and tokens are only ever compared; a password is hashed (slowly) whatever it is.
        values = FUZZ if name in texts and form.kind_of(name) != "password" else SHORT
        for value in values:
            pairs = [(n, v) for n, v in fill(form) if n != name] + [(name, value)]
            yield f"{name}={shown(value)}", pairs
    if texts:
        yield f"{texts[0]}=1 MB", [(n, v) for n, v in fill(form) if n != texts[0]] + [(texts[0], MEGABYTE)]
    parts = {name.rpartition("-")[2]: name for name in names}
    if {"day", "month", "year"} <= set(parts):
        for date in IMPOSSIBLE_DATES:
            given = dict(zip((parts["day"], parts["month"], parts["year"]), date, strict=True))
            yield f"date {'/'.join(date)}", [(n, v) for n, v in fill(form) if n not in given] + list(given.items())


def fuzz_forms(run: Run, client, forms: list[Form], seen: set) -> None:
    # Forms that end something (withdraw, delete, sign out) go last, so the others still work.
    for form in sorted(forms, key=lambda f: any(w in f.action for w in ("withdraw", "delete", "sign-out"))):
        kind = signature(run, form)
        if kind in seen or form.method != "post":
            continue
        seen.add(kind)
        for what, pairs in bad_pairs(form):
            run.check(f"POST {form.action} {what}", send(client, form, pairs))
        if form.multipart:
            for name in FILE_NAMES:
                files = [(name, b"\x89PNG\r\n\x1a\n" + SURROGATE * 100)]
                run.check(f"POST {form.action} file named {shown(name)}",
                          send(client, form, fill(form, button="upload"), files=files))


def explore(client, start: list[str]) -> tuple[dict, list[Form]]:
    """The pages reachable from ``start`` (path -> HTML) and the forms on them."""
    started = time.perf_counter()
    pages = {path: response.get_data(as_text=True) if response.status_code == 200 else ""
             for path, response in crawl(client, start).items()}
    print(f"crawl: {len(pages)} pages in {time.perf_counter() - started:.1f} s")
    forms = [form for path, html in pages.items() if html for form in parse(path, html).forms]
    return pages, forms


def fuzz_everything(run: Run, client, start: list[str], seen: set) -> None:
    """Every route this browser can reach, with bad path parameters, query parameters and fields.
    Routes are tried with the path parameters of a page of theirs seen in the crawl."""
    pages, forms = explore(client, start)
    examples: dict[str, str] = {}
    path_values: dict[str, dict] = {}
    for path in [*pages, *(form.action for form in forms)]:
        for method in ("GET", "POST"):
            endpoint, values = run.endpoint(local(path) or path, method)
            if endpoint and endpoint not in path_values:
                path_values[endpoint] = values
            if endpoint and method == "GET" and endpoint not in examples and pages.get(path):
                examples[endpoint] = path
    token = next(f.value for form in forms for f in form.fields if f.name == "csrf_token")
    for step, args in [(fuzz_forms, (forms, seen)), (fuzz_paths, (path_values, token)),
                       (fuzz_queries, (examples, query_names(pages, forms)))]:
        before, started = run.count, time.perf_counter()
        step(run, client, *args)
        print(f"{step.__name__}: {run.count - before} requests in {time.perf_counter() - started:.1f} s")


def emailed_links(app, guest, resident, db_session) -> list[str]:
    """Pages reached only from a message: resetting a password, coming back to answers saved by a
    guest, and switching off an optional message."""
    from sqlalchemy import select

    from portal.models import Notification
    from portal.notify.unsubscribe import PATH, make_token

    from ..conftest import post_form
    from .test_accounts import last_link

    post_form(resident, "/account/forgot", {"email": "resident@example.com"})
    assert post_form(guest, "/report/noise/save", {"how": "email", "email": "ana@example.com"}).status_code == 302
    db_session.rollback()
    optional = db_session.scalar(select(Notification.id).filter_by(optional=True))
    assert optional is not None
    return [last_link(db_session, "reset_password"), last_link(db_session, "draft_resume"),
            PATH + make_token(app.config["SECRET_KEY"], optional)]


def test_bad_input_never_gets_a_500(app, db_session):
    started = time.perf_counter()
    run, seen = Run(app), set()
    services = services_listed(app.test_client())

    guest = app.test_client()
    for service in services:
        answer_service(guest, service.rpartition("/")[2])
    references = send_reports(guest, 3)
    move(app, references[0], "in_review", "more_info_needed", note="Which lane?")
    move(app, references[1], "in_review", "resolved")
    fuzz_everything(run, guest, ["/", *services, *(f"/track/case/{r}" for r in references)], seen)

    resident = app.test_client()
    sign_in_as_resident(resident, db_session, "resident@example.com")
    answer_service(resident, "rental-assistance")  # a draft in progress
    references = send_reports(resident, 2)
    move(app, references[0], "in_review", "resolved")
    start = ["/account", *(f"/track/case/{r}" for r in references), *emailed_links(app, guest, resident, db_session)]
    fuzz_everything(run, resident, start, seen)

    elapsed = time.perf_counter() - started
    print(f"{run.count} bad requests in {elapsed:.0f} s")
    print("\n".join(run.failures))
    assert run.count > 1500, "the crawl found too few pages and forms"
    assert not run.failures, f"{len(run.failures)} of {run.count} got a 500:\n" + "\n".join(run.failures[:40])
