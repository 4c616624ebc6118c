"""The message catalogs: messages.pot matches the source, every shipped locale translates every
message with the same placeholders, the catalogs compile, and pages really come out translated.

Updating the catalogs after changing a string (see the Makefile):
    make i18n-extract i18n-update     then translate the new entries in each messages.po
"""

from __future__ import annotations

import gettext
import html
import io
import os
import re
from pathlib import Path

import polib
import pytest
from babel.messages.extract import (
    DEFAULT_KEYWORDS,
    check_and_call_extract_file,
    extract_from_file,
)
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from portal.config import SHIPPED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"
SOURCE_LANGUAGE = "en"
# Folders holding translatable strings, walked from the top of the checkout as `pybabel extract`
# does (the patterns in babel.cfg start with these folder names).
SOURCE_DIRS = ("portal", "templates")
# The same keywords as `pybabel extract -k _l -k lazy_gettext`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# Templates rendered with gettext: pages, emails and letters (.html); subjects, text messages,
# plain-text emails and call scripts (.txt).
TEMPLATE_SUFFIXES = {".html", ".txt"}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do"}
# Numbers each plural rule is tried on: every form of every shipped language occurs among them
# (Spanish "many" only for whole millions).
PLURAL_SAMPLES = (*range(0, 1001), 1_000_000, 1_000_001, 2_000_000, 10**9)
# Placeholders a plural form may leave out when it stands for one number only (Arabic "two
# results" is one word, with no digit in it).
COUNT_NAMES = {"num", "count"}

TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != SOURCE_LANGUAGE]
# Messages whose translation is rightly spelled the same as the English: words Spanish spells the
# same, and a pattern of placeholders and a colon, which Arabic writes with the same colon.
# Anything else left in English is taken for a message copied and not translated.
NO_WORDS = {"%(reference)s: %(status)s"}
SAME_AS_ENGLISH = {
    "es": {"No", "Error:", "Error: %(title)s", "Cookies", "Supervisor", "Auditor", "Audio",
           "Braille", "Roles"} | NO_WORDS,
    "ar": NO_WORDS,
}

PERCENT_RE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # %(name)
    r"[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision
    r"(?P<type>[diouxXeEfFgGcrsa%])"
)
BRACE_RE = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>")


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _show(key: tuple[str | None, str]) -> str:
    context, msgid = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "")


def _entries(catalog: polib.POFile) -> list[polib.POEntry]:
    return [e for e in catalog if not e.obsolete and e.msgid]


def _mapping() -> tuple[list[tuple[str, str]], dict]:
    with BABEL_CFG.open(encoding="utf-8") as fh:
        return parse_mapping_cfg(fh, filename=str(BABEL_CFG))


def _source_files() -> list[Path]:
    files = []
    for top in SOURCE_DIRS:
        for folder, dirnames, filenames in os.walk(ROOT / top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
            files += [Path(folder, name) for name in sorted(filenames)]
    return files


def extract_source() -> tuple[
    dict[tuple[str | None, str], tuple[str | None, list[str]]], list[str]
]:
    """Every message in portal/ and templates/: ({(context, msgid): (msgid_plural, [locations])},
    [templates holding messages that the babel.cfg mapping does not extract])."""
    method_map, options_map = _mapping()
    found: dict[tuple[str | None, str], tuple[str | None, list[str]]] = {}
    unmapped = []

    def add(filename: str, lineno: int, message, context) -> None:
        msgid, plural = (
            (message[0], message[1]) if isinstance(message, (list, tuple)) else (message, None)
        )
        if msgid:
            _plural, where = found.setdefault((context, msgid), (plural, []))
            where.append(f"{filename}:{lineno}")

    for path in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        mapped = False
        for filename, lineno, message, _comments, context in check_and_call_extract_file(
            str(path), method_map, options_map, None, KEYWORDS, (), False, dirpath=str(ROOT)
        ):
            mapped = True
            add(filename, lineno, message, context)
        if mapped or not relative.startswith("templates/") or path.suffix not in TEMPLATE_SUFFIXES:
            continue
        # A template the mapping misses (a text message, a subject line, a call script...):
        # its messages are still shown to people, so they still need a translation.
        messages = list(
            extract_from_file("jinja2", str(path), keywords=KEYWORDS, options=JINJA_OPTIONS)
        )
        if messages:
            unmapped.append(relative)
        for lineno, message, _comments, context in messages:
            add(relative, lineno, message, context)
    return found, unmapped


@pytest.fixture(scope="module")
def extracted():
    return extract_source()


@pytest.fixture(scope="module")
def source(extracted):
    messages, _unmapped = extracted
    assert messages, (
        f"extracting with {BABEL_CFG.relative_to(ROOT)} found no messages in "
        f"{', '.join(SOURCE_DIRS)}: do its patterns still name the source folders?"
    )
    return messages


@pytest.fixture(scope="module")
def pot():
    assert POT.is_file(), f"{POT.relative_to(ROOT)} is missing: run `make i18n-extract`"
    return polib.pofile(str(POT))


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_po(locale: str) -> polib.POFile:
    path = po_path(locale)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `pybabel init -l {locale}`"
    return polib.pofile(str(path))


# --- (a) messages.pot is up to date -------------------------------------------------------------


def test_every_source_message_is_in_messages_pot(source, pot):
    in_pot = {_key(e): e.msgid_plural or None for e in _entries(pot)}
    missing = [
        f"{_show(k)} at {', '.join(where)}" for k, (_p, where) in source.items() if k not in in_pot
    ]
    assert not missing, (
        "messages.pot is out of date; run `make i18n-extract i18n-update` and translate. "
        "Not in messages.pot:\n  " + "\n  ".join(missing)
    )
    plural_changed = [
        f"{_show(k)}: source plural {plural!r}, messages.pot {in_pot[k]!r}"
        for k, (plural, _w) in source.items()
        if in_pot[k] != plural
    ]
    assert not plural_changed, "messages.pot has another plural form:\n  " + "\n  ".join(
        plural_changed
    )


def test_babel_cfg_extracts_every_template_with_messages(extracted):
    _messages, unmapped = extracted
    assert not unmapped, (
        f"{BABEL_CFG.relative_to(ROOT)} does not extract these templates, which hold messages "
        "(`make i18n-extract` would leave them out of messages.pot):\n  " + "\n  ".join(unmapped)
    )


def test_messages_pot_has_no_message_the_source_dropped(source, pot):
    stale = [_show(_key(e)) for e in _entries(pot) if _key(e) not in source]
    assert not stale, (
        "messages.pot lists messages the source no longer uses; "
        "run `make i18n-extract i18n-update`:\n  " + "\n  ".join(stale)
    )


# --- (b) every shipped locale translates every message ------------------------------------------


def test_shipped_locales_have_catalogs():
    assert SOURCE_LANGUAGE in SHIPPED_LOCALES
    assert TRANSLATED, "no locale besides the source language is shipped"
    for locale in TRANSLATED:
        assert po_path(locale).is_file(), f"{po_path(locale).relative_to(ROOT)} is missing"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_forms_header_fits_the_language(locale):
    catalog = load_po(locale)
    header = catalog.metadata.get("Plural-Forms", "")
    match = re.fullmatch(r"\s*nplurals=(\d+);\s*plural=(.+?);?\s*", header)
    assert match, f"{locale}: no usable Plural-Forms header: {header!r}"
    nplurals, expression = int(match[1]), match[2]
    expected = get_plural(locale).num_plurals
    assert nplurals == expected, (
        f"{locale}: nplurals={nplurals}, but the language has {expected} plural forms"
    )
    plural = gettext.c2py(expression)
    used = {plural(n) for n in PLURAL_SAMPLES}
    assert used == set(range(nplurals)), f"{locale}: plural={expression} gives forms {sorted(used)}"
    cldr = get_plural(locale).plural_expr
    cldr_plural = gettext.c2py(cldr)
    differ = [n for n in PLURAL_SAMPLES if plural(n) != cldr_plural(n)]
    assert not differ, (
        f"{locale}: plural={expression} picks another form than CLDR's {cldr} for n in {differ[:5]}"
    )
    assert not catalog.metadata_is_fuzzy, (
        f"{locale}: the header is fuzzy, so the whole catalog would be skipped"
    )
    assert catalog.metadata.get("Language") == locale


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(pot, locale):
    catalog = load_po(locale)
    nplurals = int(
        re.search(r"nplurals=(\d+)", catalog.metadata.get("Plural-Forms", "nplurals=2"))[1]
    )
    translations = {_key(e): e for e in _entries(catalog)}
    problems = []
    for template in _entries(pot):
        entry = translations.get(_key(template))
        if entry is None:
            problems.append(f"{_show(_key(template))}: not in the .po (run `make i18n-update`)")
        elif "fuzzy" in entry.flags:
            problems.append(
                f"{_show(_key(template))}: marked fuzzy (check it, then remove the flag)"
            )
        elif template.msgid_plural:
            forms = entry.msgstr_plural or {}
            empty = [i for i in range(nplurals) if not str(forms.get(i, "")).strip()]
            if entry.msgid_plural != template.msgid_plural:
                problems.append(f"{_show(_key(template))}: plural msgid differs from messages.pot")
            if empty or len(forms) != nplurals:
                problems.append(
                    f"{_show(_key(template))}: plural forms {empty or sorted(forms)} missing "
                    f"(needs {nplurals})"
                )
        elif not entry.msgstr.strip():
            problems.append(f"{_show(_key(template))}: no translation")
    assert not problems, f"{po_path(locale).relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_fuzzy_or_leftover_entries(pot, locale):
    catalog = load_po(locale)
    fuzzy = [_show(_key(e)) for e in _entries(catalog) if "fuzzy" in e.flags]
    assert not fuzzy, f"{locale}: fuzzy entries:\n  " + "\n  ".join(fuzzy)
    wanted = {_key(e) for e in _entries(pot)}
    extra = [_show(_key(e)) for e in _entries(catalog) if _key(e) not in wanted]
    assert not extra, (
        f"{locale}: entries not in messages.pot (run `make i18n-update`):\n  " + "\n  ".join(extra)
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_message_left_in_english(locale):
    catalog = load_po(locale)
    allowed = SAME_AS_ENGLISH.get(locale, set())
    copied = []
    for entry in _entries(catalog):
        if entry.msgid in allowed:
            continue
        if entry.msgid_plural:
            if any(s in (entry.msgid, entry.msgid_plural) for s in entry.msgstr_plural.values()):
                copied.append(_show(_key(entry)))
        elif entry.msgstr == entry.msgid:
            copied.append(_show(_key(entry)))
    assert not copied, (
        f"{locale}: translation identical to the English (translate it, or add it to "
        "SAME_AS_ENGLISH if the word really is the same):\n  " + "\n  ".join(copied)
    )


# --- (c) placeholders match ---------------------------------------------------------------------


def placeholders(text: str) -> list[str]:
    """Printf-style and str.format placeholders, in a comparable form."""
    found = []
    for match in PERCENT_RE.finditer(text):
        kind = match["type"]
        if kind == "%":
            continue
        kind = {"i": "d", "u": "d"}.get(kind, kind)
        found.append(f"%({match['name']}){kind}" if match["name"] is not None else f"%{kind}")
    found += ["{" + inner + "}" for inner in BRACE_RE.findall(text)]
    return found


def _single_valued_forms(catalog: polib.POFile) -> set[int]:
    """Plural forms that stand for exactly one number (they may say the number in words)."""
    header = catalog.metadata.get("Plural-Forms", "")
    match = re.search(r"plural=(.+?);?\s*$", header)
    if not match:
        return set()
    plural = gettext.c2py(match[1])
    counts: dict[int, int] = {}
    for n in range(0, 1001):
        counts[plural(n)] = counts.get(plural(n), 0) + 1
    return {form for form, count in counts.items() if count == 1}


def placeholder_problems(
    msgid: str, msgstr: str, *, may_omit: set[str] = frozenset()
) -> str | None:
    expected, got = placeholders(msgid), placeholders(msgstr)
    positional = [p for p in expected if not p.startswith(("%(", "{"))]
    if positional and [p for p in got if not p.startswith(("%(", "{"))] != positional:
        return f"positional placeholders {positional} became {got}"
    want, have = set(expected), set(got)
    unknown = have - want
    lost = {
        p
        for p in want - have
        if not any(p.startswith(f"%({n})") or p == f"{{{n}}}" for n in may_omit)
    }
    if unknown or lost:
        parts = []
        if lost:
            parts.append(f"missing {sorted(lost)}")
        if unknown:
            parts.append(f"not in the English {sorted(unknown)}")
        return ", ".join(parts)
    return None


def test_placeholder_parser():
    assert placeholders("%(num)d results for “%(query)s”, 100%% sure") == ["%(num)d", "%(query)s"]
    assert placeholders("%s and %i and {name} but not {{literal}}") == ["%s", "%d", "{name}"]
    assert placeholder_problems("Hello %(name)s", "Hola %(nombre)s") == (
        "missing ['%(name)s'], not in the English ['%(nombre)s']"
    )
    assert placeholder_problems("%(num)d items", "%(num)s items") is not None
    assert placeholder_problems("%(num)d items", "two items", may_omit=COUNT_NAMES) is None


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_match(locale):
    catalog = load_po(locale)
    single = _single_valued_forms(catalog)
    mismatches = []
    for entry in _entries(catalog):
        if entry.msgid_plural:
            for index, msgstr in sorted(entry.msgstr_plural.items()):
                if not msgstr:
                    continue
                omit = COUNT_NAMES if int(index) in single else set()
                # The plural msgid is the reference; a form for one number may match the singular.
                problem = placeholder_problems(entry.msgid_plural, msgstr, may_omit=omit)
                if problem:
                    mismatches.append(f"{_show(_key(entry))} msgstr[{index}]: {problem}")
        elif entry.msgstr:
            problem = placeholder_problems(entry.msgid, entry.msgstr)
            if problem:
                mismatches.append(f"{_show(_key(entry))}: {problem}")
    assert not mismatches, f"{po_path(locale).relative_to(ROOT)}:\n  " + "\n  ".join(mismatches)


# --- (d) the catalogs compile and add no markup ------------------------------------------------


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_compiles(locale, tmp_path):
    path = po_path(locale)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    errors = [
        f"line {message.lineno}: {error}" for message, errs in catalog.check() for error in errs
    ]
    assert not errors, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(errors)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    (tmp_path / "messages.mo").write_bytes(buffer.getvalue())
    with (tmp_path / "messages.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert compiled.info().get("language") == locale
    # The plural rule survives compilation: each number picks the form the header's rule names.
    po = polib.pofile(str(path))
    rule = gettext.c2py(re.search(r"plural=(.+?);?\s*$", po.metadata["Plural-Forms"])[1])
    for entry in (e for e in _entries(po) if e.msgid_plural):
        for n in (0, 1, 2, 3, 11, 100, 101, 1_000_000):
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            assert got == entry.msgstr_plural[rule(n)], (
                f"{locale}: {entry.msgid!r} for n={n}: {got!r}"
            )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_pybabel_compile_reports_no_errors(locale, tmp_path):
    status = CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "compile",
            "-l",
            locale,
            "-i",
            str(po_path(locale)),
            "-o",
            str(tmp_path / "messages.mo"),
        ]
    )
    assert status in (None, 0), f"pybabel compile failed for {locale}"
    assert (tmp_path / "messages.mo").stat().st_size > 0


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_add_no_html(locale):
    catalog = load_po(locale)
    stray = []
    for entry in _entries(catalog):
        strings = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        allowed = sorted(TAG_RE.findall(entry.msgid + (entry.msgid_plural or "")))
        for text in strings:
            tags = TAG_RE.findall(text)
            if any(tags.count(tag) > allowed.count(tag) for tag in set(tags)):
                stray.append(f"{_show(_key(entry))}: {text!r}")
            elif "<" in text and "<" not in entry.msgid:
                stray.append(f"{_show(_key(entry))}: has a '<' the English does not: {text!r}")
    assert not stray, (
        f"{locale}: markup that is not in the English (templates mark translations safe):\n  "
        + ("\n  ".join(stray))
    )


# --- (e) pages come out translated --------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_catalogs():
    """Compile translations/*/LC_MESSAGES/messages.mo (git-ignored build products) for the app."""
    # Errors in a catalog are reported by test_pybabel_compile_reports_no_errors; the .mo files are
    # written all the same, so the pages can still be checked here.
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(TRANSLATIONS)])
    for locale in TRANSLATED:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").is_file(), (
            f"{locale} did not compile"
        )
    return TRANSLATIONS


def _translation(catalog: polib.POFile, msgid: str) -> str:
    entry = catalog.find(msgid)
    assert entry is not None and entry.msgstr, f"{msgid!r} has no translation"
    return entry.msgstr


@pytest.mark.parametrize("locale", TRANSLATED)
def test_home_page_is_translated(compiled_catalogs, client, locale):
    response = client.get(f"/?lang={locale}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{locale}"' in page
    body = page[page.index("<body") :]
    for english in (
        "Report a problem",
        "Track a request",
        "Skip to main content",
        "In an emergency",
    ):
        assert english not in body, f"{english!r} is still in English on the {locale} home page"
    catalog = load_po(locale)
    for msgid in ("Report a problem", "Track a request"):
        assert html.escape(_translation(catalog, msgid), quote=False) in body


PUBLIC_PAGES = (
    "/",
    "/services",
    "/services?q=zzzz",
    "/help",
    "/accessibility",
    "/privacy",
    "/track",
)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_public_pages_show_no_english_sentences(compiled_catalogs, client, pot, locale):
    """No message of three words or more appears in English on the public pages."""
    same = SAME_AS_ENGLISH.get(locale, set())
    english = [
        e.msgid
        for e in _entries(pot)
        if not placeholders(e.msgid) and len(e.msgid.split()) >= 3 and e.msgid not in same
    ]
    found = []
    for path in PUBLIC_PAGES:
        separator = "&" if "?" in path else "?"
        response = client.get(f"{path}{separator}lang={locale}")
        assert response.status_code == 200, path
        body = html.unescape(response.get_data(as_text=True))
        found += [f"{path}: {msgid!r}" for msgid in english if msgid in body]
    assert not found, f"English text on {locale} pages:\n  " + "\n  ".join(found)
