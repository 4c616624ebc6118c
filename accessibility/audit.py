"""The accessibility audit: every page × locale × state of the resident journeys in Chromium.

``plan(catalog)`` lists the pages and states to visit; ``Auditor.crawl(locale)`` reaches each one
through the browser (answering the questions before it, as a resident would), runs axe-core on it
and checks what axe cannot: one h1, a unique title with the translated "Error:" prefix when the page
shows an error, ``<html lang dir>``, error summary links, unique ids, and no sideways scrolling at
320 and 640 CSS px wide, at 1280 px with text at 200%, nor with WCAG 1.4.12 text spacing; the
same help links on every page. ``write_reports()`` writes the JSON and
Markdown reports.
"""

from __future__ import annotations

import json
import os
import re
import time
import traceback
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser import support
from tests.browser.support import (
    error_summary,
    fill_answer,
    fill_contact,
    fill_text,
    path_of,
    question_code,
    reset_rate_limits,
    sample_answer,
    submit,
    wait_for_new_page,
    wrong_answer,
)

from .staff_walks import StaffWalks, staff_plan
from .walks import (
    Walks,
    accounts_plan,
    application_checks,
    application_plan,
    applications,
    drafts_plan,
    followup_plan,
    route,
    uncovered_application_pages,
    unsubscribe_plan,
)

ROOT = Path(__file__).resolve().parent.parent
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = Path(__file__).resolve().parent / "reports"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Only the tags are chosen: no rule is disabled and nothing is excluded.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
REFLOW_WIDTHS = (320, 640)
WIDE = (1280, 900)
TEXT_SCALE = 2  # 200% text: the default font size goes from 16 to 32 px
SHOWCASE = "pothole"  # the service whose every page is also audited with errors and filled in
NOT_FOUND_PATH = "/no-such-page"
LONG_QUERY = "pothole " * 13  # longer than the search box accepts (100 characters)


# --------------------------------------------------------------------------------------------
# What to visit


@dataclass(frozen=True)
class Target:
    page: str  # the page's identity, e.g. "report/pothole/q/location"
    state: str  # e.g. "empty", "errors", "filled"

    @property
    def id(self) -> str:
        return f"{self.page} [{self.state}]"


def reports(catalog) -> dict:
    """The problems reported through /report/<code>: the complaints. (Permits and benefits are
    walked by ``Walks.application``.)"""
    return {code: s for code, s in catalog.services.items() if s.kind == "complaint"}


def kinds(catalog) -> list[str]:
    """The kinds of service in the catalog, each listed on /services?kind=…"""
    return sorted({s.kind for s in catalog.services.values()})


def _route(definition) -> list:
    """The questions asked when each is answered with ``sample_answer()``."""
    return route(definition)


def checked_questions(catalog) -> set[tuple[str, str]]:
    """(service, question) pages also audited with errors and filled in: every page of the
    showcase service, and one page of each datatype in the catalog (a required one if any)."""
    chosen = {(SHOWCASE, q.code) for q in catalog.service(SHOWCASE).questions if not q.is_exit}
    covered = {q.datatype for q in catalog.service(SHOWCASE).questions if q.required}
    by_type: dict[str, tuple[str, Any]] = {}
    for code, definition in reports(catalog).items():
        for q in _route(definition):
            best = by_type.get(q.datatype)
            if best is None or (q.required and not best[1].required):
                by_type[q.datatype] = (code, q)
    for datatype, (code, question) in by_type.items():
        if datatype not in covered:
            chosen.add((code, question.code))
    return chosen


def plan(catalog) -> list[Target]:
    """Every page and state the audit visits, in the order the crawl reaches them."""
    targets = [
        Target("home", "default"),
        Target("home", "banner-open"),
        Target("services", "all"),
        *(Target("services", f"kind={kind}") for kind in kinds(catalog)),
        Target("services", "results"),
        Target("services", "no-results"),
        Target("services", "errors"),
        Target("help", "default"),
        Target("accessibility", "default"),
        Target("privacy", "default"),
        Target("not-found", "default"),
        Target("developers", "default"),
    ]
    checked = checked_questions(catalog)
    for code, definition in reports(catalog).items():
        base = f"report/{code}"
        targets.append(Target(base, "default"))
        for question in _route(definition):
            page = f"{base}/q/{question.code}"
            targets.append(Target(page, "empty"))
            if (code, question.code) in checked:
                targets.append(Target(page, "errors"))
        if code == SHOWCASE:
            targets += [
                Target(f"{base}/contact", "empty"),
                Target(f"{base}/q/location", "details-open"),
                Target(base, "resume"),
                Target(f"{base}/contact", "errors"),
                Target(f"{base}/check", "default"),
                Target(f"{base}/contact", "filled"),
            ]
        for question in _route(definition):
            if (code, question.code) in checked:
                targets.append(Target(f"{base}/q/{question.code}", "filled"))
        for exit_page, _decider, _value in support.exit_answers(definition):
            targets.append(Target(f"{base}/q/{exit_page.code}", "exit"))
        if code == SHOWCASE:
            targets.append(Target(f"{base}/confirmation", "default"))
    targets += [
        Target("track", "empty"),
        Target("track", "errors"),
        Target("track", "not-found"),
        Target("track/case", "by-reference"),
        Target("track/case", "private-link"),
    ]
    later = (
        application_plan(catalog, application_checks_of(catalog))
        + followup_plan()
        + unsubscribe_plan()
        + drafts_plan()
        + accounts_plan()
        + staff_plan(catalog)
    )
    return targets + [Target(page, state) for page, state in later]


def in_run(name: str, only: tuple[str, ...]) -> bool:
    """Whether a journey or page is in a run limited to ``only`` (name prefixes; none: all)."""
    return not only or name.startswith(only)


def application_checks_of(catalog) -> set[tuple[str, str]]:
    """Permit and benefit pages also audited with errors (see ``walks.application_checks``)."""
    complaint_types = {q.datatype for d in reports(catalog).values() for q in d.questions}
    return application_checks(catalog, complaint_types)


def uncovered_questions(catalog) -> list[str]:
    """Question pages the plan never reaches (they would need another branch to be taken)."""
    missing = []
    for code, definition in reports(catalog).items():
        asked = {q.code for q in _route(definition)}
        exits = {e.code for e, _d, _v in support.exit_answers(definition)}
        missing += [f"{code}/{q.code}" for q in definition.questions if q.code not in asked | exits]
    return missing + uncovered_application_pages(catalog)


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class PageResult:
    locale: str
    page: str
    state: str
    url: str = ""
    status: int | None = None
    title: str = ""
    violations: list[dict] = field(default_factory=list)
    needs_review: list[dict] = field(default_factory=list)  # axe "incomplete": one example each
    problems: list[str] = field(default_factory=list)  # failed checks axe cannot make
    seconds: float = 0.0

    @property
    def id(self) -> str:
        return f"{self.page} [{self.state}]"

    @property
    def ok(self) -> bool:
        return not self.violations and not self.problems

    def describe(self) -> str:
        lines = [f"{self.locale} {self.id} — {self.url}"]
        for v in self.violations:
            lines.append(f"  axe {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
            for node in v["nodes"][:5]:
                lines.append(f"    {node['target']}: {node['html']}")
        lines += [f"  check: {p}" for p in self.problems]
        return "\n".join(lines)


PAGE_FACTS = r"""
const html = document.documentElement;
const seen = new Set(), duplicates = new Set();
for (const el of document.querySelectorAll('[id]')) {
  if (seen.has(el.id)) duplicates.add(el.id);
  seen.add(el.id);
}
const summary = document.querySelector('[data-module="error-summary"]');
const targets = summary ? Array.from(summary.querySelectorAll('a[href]')).map(a => {
  const href = a.getAttribute('href');
  let id = href.charAt(0) === '#' ? href.slice(1) : null;
  try { id = id && decodeURIComponent(id); } catch (e) {}
  const el = id ? document.getElementById(id) : null;
  // A form field, or the control that puts the error right (the "Add a person" link of a list).
  return {href: href, found: !!el && el.matches('input, select, textarea, button, a[href]')};
}) : [];
const nav = performance.getEntriesByType('navigation')[0];
const footerLinks = Array.from(document.querySelectorAll('footer nav a[href]'))
  .map(a => a.getAttribute('href'));
const sheets = Array.from(document.querySelectorAll('link[rel~="stylesheet"]')).map(link => {
  let rules = 0;
  try { rules = link.sheet ? link.sheet.cssRules.length : 0; } catch (e) { rules = -1; }
  return {href: link.getAttribute('href'), rules: rules};
});
return {
  stylesheets: sheets,
  footerLinks: footerLinks,
  lang: html.getAttribute('lang'),
  dir: html.getAttribute('dir'),
  title: document.title,
  h1: Array.from(document.querySelectorAll('h1')).map(h => h.textContent.trim()),
  errorSummary: !!summary,
  errorMessages: Array.from(document.querySelectorAll('.usa-error-message'))
    .filter(e => e.textContent.trim()).length,
  summaryTargets: targets,
  duplicateIds: Array.from(duplicates),
  status: nav && nav.responseStatus ? nav.responseStatus : null,
};
"""

# arguments[0]: open every closed <details> first (they are returned, to be closed again).
OVERFLOW = r"""
const opened = arguments[0] ? Array.from(document.querySelectorAll('details:not([open])')) : [];
opened.forEach(d => d.open = true);
const root = document.documentElement;
const width = root.clientWidth;
const rtl = getComputedStyle(root).direction === 'rtl';
const culprits = [];
if (root.scrollWidth > width) {
  const wide = Array.from(document.body.querySelectorAll('*')).filter(el => {
    const box = el.getBoundingClientRect();
    return box.width && (rtl ? box.left < -1 : box.right > width + 1);
  });
  // The innermost ones: an element none of whose descendants is too wide too.
  const innermost = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
  for (const el of innermost.slice(0, 3)) {
    const box = el.getBoundingClientRect();
    const label = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.classList.length ? '.' + Array.from(el.classList).join('.') : '');
    culprits.push(label + ' (x ' + Math.round(box.left) + ' to ' + Math.round(box.right) + ')');
  }
}
return {scrollWidth: root.scrollWidth, clientWidth: width, innerWidth: window.innerWidth,
        culprits: culprits, opened: opened};
"""

# WCAG 1.4.12: line height 1.5, paragraphs 2 × the font size apart, letters 0.12 and words 0.16
# em apart. A constructed style sheet is not inline style, so the page's CSP allows it.
# arguments[0]: <details> to close again afterwards.
TEXT_SPACING = r"""
const sheet = new CSSStyleSheet();
sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; ' +
                  'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }');
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
try {
  const root = document.documentElement;
  const clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    const hides = /hidden|clip/.test(style.overflowX + style.overflowY);
    if (!hides || el.clientWidth <= 2 || el.clientHeight <= 2 || !el.textContent.trim()) continue;
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) {
      const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
      clipped.push(el.tagName.toLowerCase() + classes);
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          clipped: clipped.slice(0, 3)};
} finally {
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter(s => s !== sheet);
  (arguments[0] || []).forEach(d => d.open = false);
}
"""

# axe-core's source is sent to the browser once per origin and kept in its localStorage: sending
# 650 KB through WebDriver for every page costs more than the whole axe run. Each page evaluates
# it from there through the DevTools protocol, which the page's CSP (no eval) does not govern.
AXE_KEY = "civic-portal-accessibility-audit:axe-core"
LOAD_AXE = r"""
(function () {
  if (typeof window.axe === 'object') return true;
  const source = window.localStorage.getItem(KEY);
  if (!source) return false;
  (0, eval)(source);
  return typeof window.axe === 'object';
})()
""".replace("KEY", json.dumps(AXE_KEY))

# The page facts, then axe-core on the page as it was. arguments[0]: axe's options.
RUN_AXE = r"""
const callback = arguments[arguments.length - 1];
const options = arguments[0];
const facts = (function () {
FACTS
})();
facts.url = location.href;
// Only what the report uses travels back: the violations, and one example of each "needs review".
const node = n => ({target: n.target, html: n.html, failureSummary: n.failureSummary});
axe.run(document, options).then(
  outcome => callback({facts: facts, outcome: {
    testEngine: outcome.testEngine,
    violations: outcome.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
      nodes: v.nodes.map(node)})),
    incomplete: outcome.incomplete.map(v => ({
      id: v.id, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.slice(0, 1).map(node)})),
  }}),
  error => callback({facts: facts, error: String(error)}));
""".replace("FACTS", PAGE_FACTS)

OPEN_DETAILS = r"""
const closed = Array.from(document.querySelectorAll('details:not([open])'));
closed.forEach(d => d.open = true);
return closed;
"""


class Auditor(Walks, StaffWalks):
    """Walks the portal in one Chromium, in one locale at a time."""

    def __init__(
        self,
        driver: WebDriver,
        server,
        catalog,
        error_titles: dict[str, tuple[str, str]],
        axe_script: Path = AXE_SCRIPT,
    ):
        self.driver = driver
        self.server = server
        self.catalog = catalog
        self.error_titles = error_titles  # locale -> text before and after the page title
        # Read once: a reinstall of node_modules during the run cannot change it.
        self.axe_source = Path(axe_script).read_text(encoding="utf-8")
        self.checked = checked_questions(catalog)
        self.application_checks = application_checks_of(catalog)
        self.cases: dict[str, tuple[str, str]] = {}
        self.reference = self.private_link = None
        self.results: dict[tuple[str, str], PageResult] = {}
        self.crawl_errors: list[str] = []
        self.footer_links: dict[str, list[str]] = {}
        self.axe_version = ""
        self.locale = "en"

    # -- navigation ------------------------------------------------------------------------

    def get(self, path: str, **query: str) -> None:
        self.driver.get(self.server(path, lang=self.locale, **query))

    def follow(self, link) -> None:
        link.click()
        wait_for_new_page(self.driver, link)

    # -- one page --------------------------------------------------------------------------

    def audit(self, page: str, state: str) -> PageResult:
        started = time.monotonic()
        driver = self.driver
        self.load_axe()
        found = driver.execute_async_script(RUN_AXE, AXE_OPTIONS)
        facts = found["facts"]
        if "error" in found:
            raise AssertionError(f"axe-core failed on {facts['url']}: {found['error']}")
        outcome = found["outcome"]
        result = PageResult(self.locale, page, state, url=facts["url"])
        result.status = facts["status"]
        result.title = facts["title"]
        self.axe_version = outcome.get("testEngine", {}).get("version", self.axe_version)
        for v in outcome["violations"]:
            result.violations.append(
                {
                    "id": v["id"],
                    "impact": v.get("impact"),
                    "help": v["help"],
                    "helpUrl": v["helpUrl"],
                    "tags": v["tags"],
                    "nodes": [
                        {
                            "target": " ".join(str(t) for t in n["target"]),
                            "html": n.get("html", "")[:300],
                            "failureSummary": n.get("failureSummary", ""),
                        }
                        for n in v["nodes"]
                    ],
                }
            )
        for item in outcome.get("incomplete", []):
            node = (item.get("nodes") or [{}])[0]
            result.needs_review.append(
                {
                    "id": item["id"],
                    "help": item["help"],
                    "helpUrl": item["helpUrl"],
                    "target": " ".join(str(t) for t in node.get("target", [])),
                    "html": node.get("html", "")[:300],
                    "message": node.get("failureSummary", ""),
                }
            )
        result.problems = self.check(facts) + self.reflow()
        self.screenshot(page, state)
        result.seconds = round(time.monotonic() - started, 3)
        key = (self.locale, f"{page} [{state}]")
        if key in self.results:
            self.crawl_errors.append(f"{self.locale}: {page} [{state}] was audited twice")
        self.results[key] = result
        return result

    def screenshot(self, page: str, state: str) -> None:
        """With AUDIT_SCREENSHOTS set to a folder, keep a picture of each page 320 px wide (the
        whole page), to look at what the checks cannot judge: overlapping, text direction."""
        folder = os.environ.get("AUDIT_SCREENSHOTS")
        if not folder:
            return
        emulate_viewport(self.driver, 320, 800)
        try:
            height = self.driver.execute_script("return document.documentElement.scrollHeight;")
            emulate_viewport(self.driver, 320, min(int(height), 6000))
            name = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{self.locale}-{page}-{state}")
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(Path(folder) / f"{name}.png"))
        finally:
            emulate_viewport(self.driver, *WIDE)

    def load_axe(self) -> None:
        """Put axe-core into the page (from localStorage; stored there first if need be)."""
        for _ in range(2):
            loaded = self.driver.execute_cdp_cmd(
                "Runtime.evaluate", {"expression": LOAD_AXE, "returnByValue": True}
            )
            if loaded.get("exceptionDetails"):
                raise AssertionError(f"axe-core did not load: {loaded['exceptionDetails']}")
            if loaded["result"].get("value"):
                return
            self.driver.execute_script(
                "window.localStorage.setItem(arguments[0], arguments[1]);", AXE_KEY, self.axe_source
            )
        raise AssertionError(
            f"axe-core could not be kept in localStorage on {self.driver.current_url}"
        )

    def forget_axe(self) -> None:
        """Remove axe-core's source from the browser's storage (on the live server's origin)."""
        self.driver.get(self.server("/"))
        self.driver.execute_script("window.localStorage.removeItem(arguments[0]);", AXE_KEY)

    def check(self, facts: dict) -> list[str]:
        problems = []
        locale = self.locale
        if len(facts["h1"]) != 1:
            problems.append(f"page-has-one-h1: found {len(facts['h1'])} h1 elements {facts['h1']}")
        title = (facts["title"] or "").strip()
        if not title:
            problems.append("title-not-empty: the <title> is empty")
        before, after = self.error_titles[locale]
        shows_error = facts["errorSummary"] or facts["errorMessages"] > 0
        marked = bool(before) and title.startswith(before) and (not after or after in title)
        if shows_error and not marked:
            problems.append(
                f"error-title: the page shows an error but its title {title!r} does "
                f"not start with {before!r}"
            )
        if not shows_error and before and title.startswith(before):
            problems.append(f"error-title: the title {title!r} says Error but the page shows none")
        if facts["lang"] != locale:
            problems.append(f"html-lang: <html lang={facts['lang']!r}>, expected {locale!r}")
        want_dir = "rtl" if locale == "ar" else "ltr"
        if facts["dir"] != want_dir:
            problems.append(f"html-dir: <html dir={facts['dir']!r}>, expected {want_dir!r}")
        for target in facts["summaryTargets"]:
            if not target["found"]:
                problems.append(
                    f"error-summary-link: {target['href']} does not lead to a form field or "
                    "the control that puts the error right"
                )
        for sheet in facts["stylesheets"]:
            if sheet["rules"] == 0:
                problems.append(
                    f"assets: the stylesheet {sheet['href']} did not load, so the "
                    "results for this page are not meaningful (assets rebuilt under a "
                    "running server?)"
                )
        # WCAG 3.2.3 and 3.2.6: the same help and information links, in the same order, everywhere.
        if self.footer_links.setdefault(locale, facts["footerLinks"]) != facts["footerLinks"]:
            problems.append(
                f"consistent-help: footer links {facts['footerLinks']} differ from "
                f"{self.footer_links[locale]} on the home page"
            )
        if not any(href.rstrip("/").endswith("/help") for href in facts["footerLinks"]):
            problems.append("consistent-help: no link to Help and contact in the footer")
        if facts["duplicateIds"]:
            problems.append(f"unique-ids: duplicated id {facts['duplicateIds']}")
        return problems

    def reflow(self) -> list[str]:
        """No sideways scrolling at 320 and 640 px wide, nor at 1280 px with 200% text, nor with
        WCAG text spacing (which must not cut text off either); each with every <details> open."""
        driver = self.driver
        problems = []
        opened: list = []
        try:
            for width in REFLOW_WIDTHS:
                emulate_viewport(driver, width, 800)
                found = driver.execute_script(OVERFLOW, not opened)
                opened = opened or found["opened"]
                if found["scrollWidth"] > found["clientWidth"]:
                    problems.append(
                        f"reflow-{width}px: the page is {found['scrollWidth']} px wide "
                        f"in a {found['clientWidth']} px viewport; too wide: {found['culprits']}"
                    )
            emulate_viewport(driver, *WIDE)
            set_text_size(driver, TEXT_SCALE)
            try:
                found = driver.execute_script(OVERFLOW, False)
            finally:
                set_text_size(driver, 1)
            if found["scrollWidth"] > found["clientWidth"]:
                problems.append(
                    f"text-200%: at {found['innerWidth']} px with 200% text the page is "
                    f"{found['scrollWidth']} px wide; too wide: {found['culprits']}"
                )
            found = driver.execute_script(TEXT_SPACING, opened)  # closes them again
            if found["scrollWidth"] > found["clientWidth"] or found["clipped"]:
                problems.append(
                    f"text-spacing: with WCAG 1.4.12 text spacing at {WIDE[0]} px the page is "
                    f"{found['scrollWidth']} px wide in {found['clientWidth']} px; text cut "
                    f"off in {found['clipped']}"
                )
        except BaseException:
            emulate_viewport(driver, *WIDE)
            set_text_size(driver, 1)
            driver.execute_script("arguments[0].forEach(d => d.open = false);", opened)
            raise
        return problems

    def open_details_and_audit(self, page: str, state: str) -> None:
        opened = self.driver.execute_script(OPEN_DETAILS)
        self.audit(page, state)
        self.driver.execute_script("arguments[0].forEach(d => d.open = false);", opened)

    # -- the walk --------------------------------------------------------------------------

    def crawl(self, locale: str, only: tuple[str, ...] = ()) -> None:
        """Walk every journey in ``locale``, or only those whose name starts with one of ``only``."""
        self.locale = locale
        self.reference = self.private_link = None
        self.cases = {}
        reset_rate_limits()  # each locale signs up, signs in and saves answers again
        support.reset(self.driver, WIDE)
        emulate_viewport(self.driver, *WIDE)
        set_text_size(self.driver, 1)
        steps = (
            [("public pages", self.public_pages), ("developers", self.developers)]
            + [(f"report/{code}", partial(self.service, code)) for code in reports(self.catalog)]
            + [("tracking", self.tracking)]
            + [
                (f"report/{code}", partial(self.application, code))
                for code in applications(self.catalog)
            ]
            + [
                ("follow-up", self.followup),
                ("unsubscribe", self.unsubscribe),
                ("saved answers", self.drafts),
                ("accounts", self.accounts),
                ("staff", self.staff),
            ]
        )
        for name, step in steps:
            if not in_run(name, only):
                continue
            try:
                step()
            except Exception as error:  # noqa: BLE001 - one broken journey must not hide the others
                message = str(error).strip().splitlines()[0] if str(error).strip() else ""
                ours = [
                    f
                    for f in traceback.extract_tb(error.__traceback__)
                    if "/selenium/" not in f.filename
                ]
                where = f" ({Path(ours[-1].filename).name}:{ours[-1].lineno})" if ours else ""
                self.crawl_errors.append(
                    f"{locale}: {name} stopped on {self.driver.current_url}: "
                    f"{type(error).__name__}: {message}{where}"
                )

    def public_pages(self) -> None:
        self.get("/")
        self.audit("home", "default")
        self.open_details_and_audit("home", "banner-open")
        self.get("/services")
        self.audit("services", "all")
        for kind in kinds(self.catalog):
            self.get("/services", kind=kind)
            self.audit("services", f"kind={kind}")
        showcase = self.catalog.service(SHOWCASE)
        self.get("/services", q=showcase.name(self.locale))
        self.audit("services", "results")
        self.get("/services", q="zzzz")
        self.audit("services", "no-results")
        self.get("/services", q=LONG_QUERY)
        self.audit("services", "errors")
        for page in ("help", "accessibility", "privacy"):
            self.get(f"/{page}")
            self.audit(page, "default")
        self.get(NOT_FOUND_PATH)
        self.audit("not-found", "default")

    def developers(self) -> None:
        """The case API's documentation: long tables and code blocks that must scroll on their own."""
        self.get("/developers")
        self.audit("developers", "default")

    def service(self, code: str) -> None:
        definition = self.catalog.service(code)
        base = f"report/{code}"
        self.get(f"/{base}")
        self.audit(base, "default")
        self.follow(self.driver.find_element(By.CSS_SELECTOR, "main a.usa-button"))
        answered = []
        for _ in range(len(definition.questions) + 1):
            qcode = question_code(self.driver, code)
            if qcode is None:
                break
            question = definition.question(qcode)
            page = f"{base}/q/{question.code}"
            self.audit(page, "empty")
            if (code, question.code) in self.checked:
                fill_answer(self.driver, question.datatype, wrong_answer(question))
                submit(self.driver)
                if error_summary(self.driver) is None:
                    raise AssertionError(f"{page}: no error summary after a wrong answer")
                self.audit(page, "errors")
            fill_answer(self.driver, question.datatype, sample_answer(definition, question))
            submit(self.driver)
            answered.append(question)
        if path_of(self.driver) != f"/{base}/contact":
            raise AssertionError(
                f"{base}: expected the contact page after the questions, "
                f"reached {self.driver.current_url}"
            )
        if code == SHOWCASE:
            self.showcase_contact(base)
        for question in answered:
            if (code, question.code) in self.checked:
                self.get(f"/{base}/q/{question.code}")
                self.audit(f"{base}/q/{question.code}", "filled")
        for exit_page, decider, value in support.exit_answers(definition):
            self.get(f"/{base}/q/{decider.code}")
            fill_answer(self.driver, decider.datatype, value)
            submit(self.driver)
            if path_of(self.driver) != f"/{base}/q/{exit_page.code}":
                raise AssertionError(
                    f"{base}: answering {decider.code}={value} did not lead to "
                    f"{exit_page.code}, but to {self.driver.current_url}"
                )
            self.audit(f"{base}/q/{exit_page.code}", "exit")
            # Answer it the other way again, so the draft can still be sent.
            self.get(f"/{base}/q/{decider.code}")
            fill_answer(self.driver, decider.datatype, sample_answer(definition, decider))
            submit(self.driver)
        if code == SHOWCASE:
            self.send(base)

    def showcase_contact(self, base: str) -> None:
        driver = self.driver
        self.audit(f"{base}/contact", "empty")
        location = f"/{base}/q/location"
        self.get(location)
        self.open_details_and_audit(f"{base}/q/location", "details-open")
        self.get(f"/{base}")
        self.audit(base, "resume")
        self.get(f"/{base}/contact")
        fill_contact(driver, name="Ana Díaz", channel="email")
        submit(driver)
        self.audit(f"{base}/contact", "errors")
        fill_contact(
            driver, name="Ana Díaz", email="ana@example.com", phone="202 555 0143", channel="email"
        )
        submit(driver)
        self.audit(f"{base}/check", "default")
        self.get(f"/{base}/contact")
        self.audit(f"{base}/contact", "filled")

    def send(self, base: str) -> None:
        driver = self.driver
        self.get(f"/{base}/check")
        submit(driver)
        self.audit(f"{base}/confirmation", "default")
        self.reference = driver.find_element(
            By.CSS_SELECTOR, ".portal-reference__number"
        ).text.strip()
        self.private_link = driver.find_element(
            By.CSS_SELECTOR, ".portal-private-link a"
        ).get_attribute("href")

    def tracking(self) -> None:
        driver = self.driver
        self.get("/track")
        self.audit("track", "empty")
        submit(driver)
        self.audit("track", "errors")
        reference = self.reference
        fill_text(driver, "reference", reference or "K7M-X3Q-HDT")
        fill_text(driver, "contact", "someone.else@example.com")
        submit(driver)
        self.audit("track", "not-found")
        if reference is None:
            raise AssertionError("no report was sent, so there is nothing to track")
        fill_text(driver, "reference", reference)
        fill_text(driver, "contact", "ana@example.com")
        submit(driver)
        self.audit("track/case", "by-reference")
        driver.get(self.private_link)
        self.audit("track/case", "private-link")


def emulate_viewport(driver: WebDriver, width: int, height: int) -> None:
    """Lay the page out in a viewport of this size (takes effect at once, unlike clearing it)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def set_text_size(driver: WebDriver, scale: float) -> None:
    """Chromium's default font size setting (Settings → Appearance → Font size)."""
    driver.execute_cdp_cmd(
        "Page.setFontSizes", {"fontSizes": {"standard": int(16 * scale), "fixed": int(13 * scale)}}
    )


def title_uniqueness(results: dict[tuple[str, str], PageResult]) -> None:
    """Different pages must not share a title (states of one page may, and so may the exit pages
    of one service: each ends the form with the same heading, such as "You are not eligible for
    this program", and says why in its body)."""

    def identity(result: PageResult) -> str:
        if result.state == "exit":
            return result.page.rsplit("/q/", 1)[0] + "/q/(exit pages)"
        return result.page

    by_title: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (locale, _id), result in results.items():
        by_title[(locale, result.title.strip())].add(identity(result))
    for (locale, _id), result in results.items():
        pages = by_title[(locale, result.title.strip())]
        if len(pages) > 1:
            others = sorted(pages - {identity(result)})
            result.problems.append(f"unique-title: {result.title!r} is also the title of {others}")


# --------------------------------------------------------------------------------------------
# Reports


def write_reports(
    results: dict[tuple[str, str], PageResult],
    targets: list[Target],
    locales: list[str],
    meta: dict,
    crawl_errors: list[str],
    folder: Path = REPORTS,
) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ordered = [results[k] for k in sorted(results, key=lambda k: _order(k, targets, locales))]
    missing = [f"{loc}: {t.id}" for t in targets for loc in locales if (loc, t.id) not in results]
    data = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "axe_options": AXE_OPTIONS,
        "summary": {
            "pages_audited": len(ordered),
            "pages_with_problems": sum(not r.ok for r in ordered),
            "violations": sum(len(r.violations) for r in ordered),
            "violation_nodes": sum(len(v["nodes"]) for r in ordered for v in r.violations),
            "check_failures": sum(len(r.problems) for r in ordered),
            "not_reached": missing,
            "crawl_errors": crawl_errors,
        },
        "pages": [asdict(r) for r in ordered],
    }
    json_path = folder / "axe-report.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path = folder / "axe-report.md"
    md_path.write_text(_markdown(data, ordered, targets, locales), encoding="utf-8")
    return json_path, md_path


def _order(key, targets, locales):
    locale, page_id = key
    ids = [t.id for t in targets]
    return (ids.index(page_id) if page_id in ids else len(ids), locales.index(locale))


def _cell(result: PageResult | None) -> str:
    if result is None:
        return "not reached"
    if result.ok:
        return "0"
    parts = []
    if result.violations:
        parts.append(f"{len(result.violations)} axe")
    if result.problems:
        parts.append(f"{len(result.problems)} checks")
    return "**" + ", ".join(parts) + "**"


def _markdown(
    data: dict, ordered: list[PageResult], targets: list[Target], locales: list[str]
) -> str:
    s = data["summary"]
    by_key = {(r.locale, r.id): r for r in ordered}
    out = [
        "# Accessibility audit",
        "",
        (
            f"Generated {data['generated']} with axe-core {data.get('axe_version', '?')} in "
            f"{data.get('browser', 'Chromium')}."
        ),
        "",
        (
            f"axe tags: {', '.join(AXE_TAGS)} (no rule disabled, nothing excluded). Also checked "
            "on every page: exactly one h1; a non-empty title, unique to the page, starting with "
            'the translated "Error:" exactly when the page shows an error; `<html lang>` and '
            "`dir`; error summary links lead to fields; unique ids; stylesheets loaded; the same "
            "footer help links on every page; no sideways scrolling at 320 and 640 CSS px wide "
            "and at 1280 px with text at 200% (Chromium's font size setting), and no sideways "
            "scrolling or cut-off text with "
            "WCAG 1.4.12 text spacing at 1280 px — all with every `<details>` open."
        ),
        "",
        f"- Pages × locales × states audited: {s['pages_audited']}",
        f"- With problems: {s['pages_with_problems']}",
        f"- axe violations: {s['violations']} (on {s['violation_nodes']} elements)",
        f"- Failed checks: {s['check_failures']}",
        f"- Not reached: {len(s['not_reached'])}",
        "",
    ]
    if s["crawl_errors"]:
        out += ["## Journeys that stopped", ""] + [f"- {e}" for e in s["crawl_errors"]] + [""]
    out += [
        "## Pages",
        "",
        "| Page [state] | " + " | ".join(locales) + " |",
        "|---|" + "---|" * len(locales),
    ]
    for target in targets:
        cells = [_cell(by_key.get((loc, target.id))) for loc in locales]
        out.append(f"| `{target.id}` | " + " | ".join(cells) + " |")
    out.append("")
    failing = [r for r in ordered if not r.ok]
    out += ["## Problems", ""]
    if not failing:
        out += ["None.", ""]
    for r in failing:
        out += [
            f"### {r.locale} — `{r.id}`",
            "",
            f"{r.url} (HTTP {r.status}) — title: {r.title}",
            "",
        ]
        for v in r.violations:
            out.append(f"- **{v['id']}** ({v['impact']}): {v['help']} — <{v['helpUrl']}>")
            for node in v["nodes"]:
                out.append(f"  - `{node['target']}` — `{_code(node['html'])}`")
        for p in r.problems:
            out.append(f"- check **{p.split(':', 1)[0]}**: {p.split(':', 1)[-1].strip()}")
        out.append("")
    review: dict[str, list] = defaultdict(list)
    for r in ordered:
        for item in r.needs_review:
            review[item["id"]].append((r, item))
    out += [
        '## Needs review (axe "incomplete")',
        "",
        "axe could not decide these; a person checks them (see manual-checklist.md).",
        "",
    ]
    if not review:
        out += ["None.", ""]
    for rule, found in sorted(review.items()):
        first = found[0][1]
        out.append(f"- **{rule}** on {len(found)} pages: {first['help']} — <{first['helpUrl']}>")
        examples = {}
        for r, item in found:
            examples.setdefault((item["target"], item["message"]), f"{r.locale} {r.id}")
        for (target, message), where in list(examples.items())[:4]:
            out.append(f"  - `{target}` on {where}: {_code(message)}")
    out.append("")
    return "\n".join(out)


def _code(html: str) -> str:
    return html.replace("`", "'").replace("\n", " ")[:200]
