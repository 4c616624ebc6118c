"""Page weight: how many bytes a first visit to each page of the resident journey transfers.

Starts the portal on 127.0.0.1 with a temporary SQLite database, walks every page of the journey
in every shipped locale (reporting a pothole with real form posts and CSRF tokens), and fetches
each page's HTML together with every stylesheet, script, image and font it refers to, including
the url(...) references inside the stylesheets. Each page is counted as a first visit with an
empty cache.

Bytes are counted as transferred (response bodies; headers are not counted). Requests ask for
``Accept-Encoding: gzip, br`` and every response counts at the size the portal sent: stylesheets
and scripts compressed, pages in full (the portal never compresses pages, see the CSP notes in
portal/config.py).

Writes bench/reports/page-weight.md and bench/reports/page-weight.json and exits with 1 if any
page is over the budget.

Usage: python bench/page_weight.py   (or make bench)
"""

from __future__ import annotations

import gzip
import http.client
import http.cookiejar
import json
import re
import shutil
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The answers and contact details that take a pothole report to check answers: the same as the
# tests use, so the bench follows the forms as they change.
from tests.helpers import GUEST_CONTACT as CONTACT  # noqa: E402
from tests.helpers import POTHOLE_ANSWERS  # noqa: E402

REPORTS = Path(__file__).resolve().parent / "reports"
BUDGET_KB = 100
KB = 1024
LOCALES = ("en", "es", "ar")

POTHOLE = "pothole"

CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')
TRACKING_LINK_RE = re.compile(r'href="https?://[^/"]+(/track/t/[0-9a-f]+)"')
CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
CSS_IMPORT_RE = re.compile(r"""@import\s+(['"])([^'"]+)\1""")

# Formats that are compressed already: a proxy gains nothing by gzipping them.
PRECOMPRESSED = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "font/woff",
                 "font/woff2", "application/font-woff")


class BenchError(RuntimeError):
    pass


# --- Fetching ---------------------------------------------------------------------------------

@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    encoding: str          # Content-Encoding as sent, or "" when uncompressed
    wire_bytes: int        # body bytes as sent
    counted_bytes: int     # what the report counts (wire, or the gzip -6 estimate)
    estimated: bool        # counted_bytes is a gzip -6 estimate
    body: bytes            # decoded body
    location: str = ""


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        try:
            import brotli
        except ImportError:
            try:
                import brotlicffi as brotli
            except ImportError:
                raise BenchError("the server sent brotli, and neither brotli nor brotlicffi is installed") from None
        return brotli.decompress(body)
    raise BenchError(f"unexpected Content-Encoding {encoding!r}")


def _text_like(content_type: str) -> bool:
    return not content_type.startswith(PRECOMPRESSED)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping client that does not follow redirects and asks for compression."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def fetch(self, path: str, data: dict | None = None) -> Fetched:
        url = urllib.parse.urljoin(self.base, path)
        encoded = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=encoded, headers={"Accept-Encoding": "gzip, br"})
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            response = error
        with response:
            raw = response.read()
            headers = response.headers
            status = response.status if hasattr(response, "status") else response.code
        encoding = (headers.get("Content-Encoding") or "").strip().lower()
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = _decode(raw, encoding)
        # Bytes as the portal sends them. Pages are never compressed (they carry CSRF tokens next
        # to reflected input: BREACH), so HTML counts at its full size.
        counted, estimated = len(raw), False
        return Fetched(url=url, status=status, content_type=content_type, encoding=encoding,
                       wire_bytes=len(raw), counted_bytes=counted, estimated=estimated, body=body,
                       location=headers.get("Location") or "")

    def post_form(self, path: str, data: dict, token_from: str | None = None) -> Fetched:
        """POST like a browser: with the CSRF token from the page the form is on."""
        page = self.fetch(token_from or path)
        match = CSRF_RE.search(page.body.decode("utf-8", "replace"))
        if not match:
            raise BenchError(f"no CSRF token on {token_from or path} ({page.status})")
        return self.fetch(path, {"csrf_token": match.group(1) or match.group(2), **data})


# --- What a page refers to --------------------------------------------------------------------

class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if "stylesheet" in rel:
                self.found.append(("css", a["href"]))
            elif {"icon", "preload", "modulepreload", "apple-touch-icon"} & set(rel):
                self.found.append(("image", a["href"]))
        elif tag == "script" and a.get("src"):
            self.found.append(("js", a["src"]))
        elif tag in ("img", "source", "input") and a.get("src"):
            self.found.append(("image", a["src"]))

    handle_startendtag = handle_starttag


def _local(url: str, base: str) -> str | None:
    ref = url.strip()
    if not ref or ref.startswith(("#", "data:")):
        return None
    absolute = urllib.parse.urljoin(base, ref)
    return absolute.split("#")[0]


def _category(kind: str, content_type: str) -> str:
    if content_type == "text/css" or kind == "css":
        return "css"
    if "javascript" in content_type or kind == "js":
        return "js"
    return "images_fonts"


@dataclass
class PageWeight:
    page: str
    locale: str
    path: str
    status: int
    html: int = 0
    css: int = 0
    js: int = 0
    images_fonts: int = 0
    resources: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html + self.css + self.js + self.images_fonts

    @property
    def passed(self) -> bool:
        return self.total <= BUDGET_KB * KB


def _resource_row(kind: str, fetched: Fetched, base: str) -> dict:
    return {
        "url": fetched.url.removeprefix(base.rstrip("/")),
        "kind": kind,
        "status": fetched.status,
        "content_type": fetched.content_type,
        "content_encoding": fetched.encoding or None,
        "wire_bytes": fetched.wire_bytes,
        "counted_bytes": fetched.counted_bytes,
        "gzip6_estimate": fetched.estimated,
    }


def measure(browser: Browser, name: str, locale: str, path: str, page: Fetched) -> PageWeight:
    """Weigh an HTML page already fetched, plus everything it refers to (fetched with a cold cache)."""
    weight = PageWeight(page=name, locale=locale, path=_display_path(path), status=page.status)
    weight.html = page.counted_bytes
    weight.resources.append(_resource_row("html", page, browser.base))
    parser = _References()
    parser.feed(page.body.decode("utf-8", "replace"))
    queue = [(kind, _local(url, page.url)) for kind, url in parser.found]
    seen: set[str] = set()
    while queue:
        kind, url = queue.pop(0)
        if url is None or url in seen:
            continue
        seen.add(url)
        if not url.startswith(browser.base):
            raise BenchError(f"{path} refers to {url}, outside the portal")
        fetched = browser.fetch(url)
        if fetched.status != 200:
            raise BenchError(f"{path} refers to {url}, which answers {fetched.status}")
        category = _category(kind, fetched.content_type)
        setattr(weight, category, getattr(weight, category) + fetched.counted_bytes)
        weight.resources.append(_resource_row(category, fetched, browser.base))
        if category == "css":
            css = fetched.body.decode("utf-8", "replace")
            for match in CSS_IMPORT_RE.finditer(css):
                queue.append(("css", _local(match.group(2), fetched.url)))
            for match in CSS_URL_RE.finditer(css):
                queue.append(("image", _local(match.group(2), fetched.url)))
    return weight


def _display_path(path: str) -> str:
    return re.sub(r"/track/t/[0-9a-f]+", "/track/t/<token>", path)


# --- The journey --------------------------------------------------------------------------------

def _with_lang(path: str, locale: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={locale}"


def _expect(fetched: Fetched, status: int, what: str) -> Fetched:
    if fetched.status != status:
        snippet = fetched.body.decode("utf-8", "replace")[:500]
        raise BenchError(f"{what}: expected {status}, got {fetched.status} from {fetched.url}\n{snippet}")
    return fetched


def journey(base: str, catalog, locale: str) -> list[PageWeight]:
    browser = Browser(base)
    results: list[PageWeight] = []

    def page(name: str, path: str, status: int = 200) -> Fetched:
        url = _with_lang(path, locale)
        fetched = _expect(browser.fetch(url), status, name)
        results.append(measure(browser, name, locale, url, fetched))
        return fetched

    page("Home", "/")
    page("Find a service", "/services")
    page("Search: pothole", "/services?q=pothole")
    for code, definition in sorted(catalog.services.items()):
        page(f"Start: {code}", f"/report/{code}")
        first = definition.questions[0].code
        page(f"First question: {code}", f"/report/{code}/q/{first}")

    # A question page with errors: the first pothole question sent with no answer.
    first = POTHOLE_ANSWERS[0][0]
    url = _with_lang(f"/report/{POTHOLE}/q/{first}", locale)
    errors = _expect(browser.post_form(url, {}), 400, "question page with errors")
    results.append(measure(browser, "Question with errors: pothole", locale, url, errors))

    for qcode, answers in POTHOLE_ANSWERS:
        _expect(browser.post_form(_with_lang(f"/report/{POTHOLE}/q/{qcode}", locale), answers), 302,
                f"answering {qcode}")
    page("Contact details", f"/report/{POTHOLE}/contact")
    sent = _expect(browser.post_form(_with_lang(f"/report/{POTHOLE}/contact", locale), CONTACT), 302,
                   "contact details")
    if not sent.location.split("?")[0].endswith(f"/report/{POTHOLE}/check"):
        raise BenchError(f"contact details led to {sent.location}, not check answers")
    page("Check answers", f"/report/{POTHOLE}/check")
    _expect(browser.post_form(_with_lang(f"/report/{POTHOLE}/check", locale), {}), 302, "submitting")
    confirmation = page("Confirmation", f"/report/{POTHOLE}/confirmation")
    link = TRACKING_LINK_RE.search(confirmation.body.decode("utf-8", "replace"))
    if not link:
        raise BenchError("no private tracking link on the confirmation page")

    page("Track a request", "/track")
    page("Tracking result", link.group(1))
    page("Help and contact", "/help")
    page("Accessibility statement", "/accessibility")
    page("Privacy", "/privacy")
    page("Page not found", "/no-such-page", status=404)
    return results


# --- Running the app ----------------------------------------------------------------------------

def start_app(instance: Path):
    from portal import create_app
    from portal.cli import migrate

    app = create_app({
        "PORTAL_ENV": "development",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
    })
    migrate(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal", daemon=True)
    thread.start()
    return app, server, thread


# --- Report -------------------------------------------------------------------------------------

def _kb(n: int) -> str:
    return f"{n / KB:.1f}"


def write_reports(results: list[PageWeight], compression: str) -> tuple[Path, Path]:
    REPORTS.mkdir(parents=True, exist_ok=True)
    failed = [r for r in results if not r.passed]
    heaviest = max(results, key=lambda r: r.total)
    lines = [
        "# Page weight",
        "",
        f"Every page of the resident journey in every shipped locale ({', '.join(LOCALES)}), "
        f"against a budget of {BUDGET_KB} KB per page (1 KB = 1,024 bytes).",
        "",
        "How it is measured (`make bench`, which runs `bench/page_weight.py`):",
        "",
        "- Each page counts as a first visit with an empty cache: its HTML plus every stylesheet, "
        "script, image and font it refers to, including every `url(...)` in the stylesheets "
        "(more than a browser would fetch, since a browser only loads the images that apply).",
        "- Bytes are response bodies as transferred; headers are not counted. Requests send "
        "`Accept-Encoding: gzip, br`.",
        f"- {compression}",
        "- The pothole report is walked with real form posts: the question page with errors is "
        "the first question sent with no answer; the tracking result is the private tracking link "
        "from the confirmation page.",
        "",
        f"Result: **{len(results) - len(failed)} of {len(results)} pages within budget**. "
        f"Heaviest: {heaviest.page} ({heaviest.locale}), {_kb(heaviest.total)} KB.",
        "",
        "| Page | Locale | HTML KB | CSS KB | JS KB | Images/fonts KB | Total KB | Budget |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.page} | {r.locale} | {_kb(r.html)} | {_kb(r.css)} | {_kb(r.js)} | "
            f"{_kb(r.images_fonts)} | {_kb(r.total)} | {'pass' if r.passed else '**FAIL**'} |"
        )
    lines.append("")
    markdown = REPORTS / "page-weight.md"
    markdown.write_text("\n".join(lines))
    data = {
        "budget_kb": BUDGET_KB,
        "kb_bytes": KB,
        "locales": list(LOCALES),
        "accept_encoding": "gzip, br",
        "compression": compression,
        "passed": not failed,
        "pages": [
            {**{k: v for k, v in asdict(r).items() if k != "resources"},
             "total": r.total, "pass": r.passed, "resources": r.resources}
            for r in results
        ],
    }
    as_json = REPORTS / "page-weight.json"
    as_json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return markdown, as_json


def describe_compression(results: list[PageWeight]) -> str:
    rows = [res for r in results for res in r.resources]
    encodings = sorted({res["content_encoding"] for res in rows if res["content_encoding"]})
    estimated = sorted({res["kind"] for res in rows if res["gzip6_estimate"]})
    parts = []
    if encodings:
        parts.append(f"The portal compressed some responses itself ({', '.join(encodings)}); "
                     "those count at their compressed size.")
    if estimated:
        parts.append(
            "Responses the portal sent uncompressed (" + ", ".join(estimated) + ") count at their "
            "gzip -6 size, as a compressing proxy would transfer them (or their raw size when that "
            "is smaller); already-compressed images and fonts count as they are."
        )
    parts.append("Pages (HTML) are sent uncompressed on purpose, because they carry CSRF tokens next "
                 "to reflected input (BREACH), and count at their full size.")
    return " ".join(parts)


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    server = None
    try:
        app, server, _thread = start_app(tmp / "instance")
        base = f"http://127.0.0.1:{server.server_port}/"
        catalog = app.extensions["catalog"]
        results: list[PageWeight] = []
        for locale in LOCALES:
            results.extend(journey(base, catalog, locale))
    except (BenchError, http.client.HTTPException, OSError) as error:
        print(f"page_weight: {error}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(tmp, ignore_errors=True)

    markdown, as_json = write_reports(results, describe_compression(results))
    width = max(len(r.page) for r in results)
    for r in results:
        flag = "ok  " if r.passed else "OVER"
        print(f"{flag} {r.page:<{width}} {r.locale}  {_kb(r.total):>6} KB  "
              f"(html {_kb(r.html)}, css {_kb(r.css)}, js {_kb(r.js)}, img/font {_kb(r.images_fonts)})")
    failed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)} of {len(results)} pages within {BUDGET_KB} KB. "
          f"Report: {markdown.relative_to(ROOT)}, {as_json.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
