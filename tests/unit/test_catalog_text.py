"""The demo city's catalog is written in every shipped language, and the loader refuses a
definition that is not, or that is broken in another way, naming the file and the field."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.catalog import CatalogError, load_catalog
from portal.config import SHIPPED_LOCALES

CATALOG_DIR = Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services"
SOURCE_LANGUAGE = "en"
TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != SOURCE_LANGUAGE]
# Words that are rightly spelled the same in English and in another language. Any other text
# that equals the English is taken for text copied and not translated.
SAME_AS_ENGLISH = {
    "es": {"compost"},
    "ar": set(),
}
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def catalog_files() -> list[Path]:
    return sorted(CATALOG_DIR.glob("*.yaml"))


def read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def text_blocks(node: Any, where: str = "") -> Iterator[tuple[str, dict]]:
    """Every `text:` mapping (locale -> fields, or locale -> string), with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if key == "text" and isinstance(value, dict):
                yield here, value
            else:
                yield from text_blocks(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from text_blocks(value, f"{where}[{i}]")


def strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, f"{where}[{i}]")


# --- The demo catalog ---------------------------------------------------------------------------


def test_demo_catalog_loads_in_every_shipped_locale():
    catalog = load_catalog(CATALOG_DIR, SHIPPED_LOCALES)
    assert catalog.services, "the demo catalog has no services"
    for locale in SHIPPED_LOCALES:
        assert catalog.agency.name(locale).strip()
        for named in (*catalog.topics, *catalog.departments):
            assert named.name(locale).strip(), (named.code, locale)
        for service in catalog.services.values():
            text = service.text(locale)
            for field in ("name", "description", "next_steps"):
                assert text[field].strip(), (service.code, locale, field)
            for question in service.questions:
                assert question.label(locale).strip(), (service.code, question.code, locale)
                assert all(label.strip() for _key, label in question.values(locale)), (
                    service.code,
                    question.code,
                    locale,
                )


@pytest.mark.parametrize("path", catalog_files(), ids=lambda p: p.name)
def test_every_text_block_has_every_locale_with_the_same_fields(path):
    problems = []
    for where, block in text_blocks(read(path)):
        missing = [loc for loc in SHIPPED_LOCALES if loc not in block]
        if missing:
            problems.append(f"{where}: no text in {', '.join(missing)}")
            continue
        english = block[SOURCE_LANGUAGE]
        for locale in TRANSLATED:
            other = block[locale]
            if isinstance(english, dict) != isinstance(other, dict):
                problems.append(f"{where}.{locale}: not the same shape as {SOURCE_LANGUAGE}")
            elif isinstance(english, dict) and set(english) != set(other):
                problems.append(
                    f"{where}.{locale}: fields differ: {sorted(set(english) ^ set(other))}"
                )
            elif isinstance(english, dict) and isinstance(english.get("keywords"), list):
                if not other["keywords"]:
                    problems.append(f"{where}.{locale}.keywords: empty")
        for locale in SHIPPED_LOCALES:
            for field, value in strings(block[locale], f"{where}.{locale}"):
                if not value.strip():
                    problems.append(f"{field}: empty")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", catalog_files(), ids=lambda p: p.name)
def test_no_translation_is_a_copy_of_the_english(path):
    copied = []
    for where, block in text_blocks(read(path)):
        english = dict(strings(block.get(SOURCE_LANGUAGE), ""))
        english_words = set(english.values())
        for locale in TRANSLATED:
            allowed = SAME_AS_ENGLISH.get(locale, set())
            for field, value in strings(block.get(locale), ""):
                if value in allowed or not any(ch.isalpha() for ch in value):
                    continue
                # A keyword is compared with every English keyword, wherever it stands.
                same = (
                    value in english_words if ".keywords[" in field else english.get(field) == value
                )
                if same:
                    copied.append(f"{where}.{locale}{field}: {value!r}")
    assert not copied, (
        f"{path.name}: text identical to the English (translate it, or add the word to "
        "SAME_AS_ENGLISH if it really is the same):\n  " + "\n  ".join(copied)
    )


@pytest.mark.parametrize("path", catalog_files(), ids=lambda p: p.name)
def test_arabic_text_is_in_arabic_script(path):
    if "ar" not in SHIPPED_LOCALES:
        pytest.skip("Arabic is not shipped")
    wrong = [
        f"{where}.ar{field}: {value!r}"
        for where, block in text_blocks(read(path))
        for field, value in strings(block.get("ar"), "")
        if any(ch.isalpha() for ch in value) and not ARABIC_LETTER.search(value)
    ]
    assert not wrong, f"{path.name}: Arabic text with no Arabic letters:\n  " + "\n  ".join(wrong)


# --- The loader refuses broken definitions, naming the file and the field ------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "services"
    shutil.copytree(CATALOG_DIR, copy)
    return copy


def change(folder: Path, name: str, edit: Callable[[Any], object]) -> None:
    """Edit one file of the copied catalog in place (what `edit` returns is ignored)."""
    path = folder / name
    data = read(path)
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def question(data: dict, code: str) -> dict:
    return next(q for q in data["questions"] if q["code"] == code)


def refused(folder: Path, message: str) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(folder, SHIPPED_LOCALES)
    text = str(caught.value)
    assert message in text, f"expected {message!r} in {text!r}"
    return text


def test_the_copied_catalog_loads(folder):
    assert load_catalog(folder, SHIPPED_LOCALES).service("pothole") is not None


def test_question_without_arabic_text(folder):
    change(folder, "pothole.yaml", lambda d: d["questions"][0]["text"].pop("ar"))
    text = refused(folder, "pothole.yaml: questions[0].text: no text in ar")
    assert str(folder / "pothole.yaml") in text


def test_question_with_a_field_missing_in_one_locale(folder):
    change(folder, "pothole.yaml", lambda d: d["questions"][0]["text"]["ar"].pop("hint"))
    refused(folder, "pothole.yaml: questions[0].text.ar: keys differ from en: hint")


def test_question_without_a_label_in_one_locale(folder):
    change(folder, "pothole.yaml", lambda d: d["questions"][0]["text"]["es"].pop("label"))
    refused(folder, "pothole.yaml: questions[0].text.es: 'label' is a required property")


def test_answer_value_without_spanish_text(folder):
    change(folder, "pothole.yaml", lambda d: question(d, "size")["values"][1]["text"].pop("es"))
    refused(folder, "pothole.yaml: questions[2].values[1].text: no text in es")


def test_service_without_arabic_text(folder):
    change(folder, "graffiti.yaml", lambda d: d["text"].pop("ar"))
    refused(folder, "graffiti.yaml: text: no text in ar")


@pytest.mark.parametrize("group", ["topics", "departments"])
def test_topic_or_department_without_arabic_name(folder, group):
    change(folder, "_catalog.yaml", lambda d: d[group][1]["text"].pop("ar"))
    refused(folder, f"_catalog.yaml: {group}[1].text: no text in ar")


def test_agency_without_spanish_name(folder):
    change(folder, "_catalog.yaml", lambda d: d["agency"]["text"].pop("es"))
    refused(folder, "_catalog.yaml: agency.text: no text in es")


def test_broken_yaml(folder):
    path = folder / "noise.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - code: [unclosed\n", encoding="utf-8")
    refused(folder, "noise.yaml: not valid YAML")


def test_broken_catalog_file(folder):
    (folder / "_catalog.yaml").write_text("agency: {text: [\n", encoding="utf-8")
    refused(folder, "_catalog.yaml: not valid YAML")


def test_unknown_datatype(folder):
    change(folder, "pothole.yaml", lambda d: question(d, "details").update(datatype="colour"))
    refused(folder, "pothole.yaml: questions[4].datatype: 'colour' is not one of")


def test_show_if_pointing_at_a_later_question(folder):
    change(
        folder,
        "pothole.yaml",
        lambda d: question(d, "position").update(show_if={"question": "size", "equals": "large"}),
    )
    refused(
        folder, "pothole.yaml: questions[1].show_if.question: 'size' is not an earlier question"
    )


def test_show_if_pointing_at_a_question_that_does_not_exist(folder):
    change(
        folder,
        "pothole.yaml",
        lambda d: question(d, "details").update(show_if={"question": "colour", "equals": "red"}),
    )
    refused(
        folder, "pothole.yaml: questions[4].show_if.question: 'colour' is not an earlier question"
    )


def test_show_if_with_an_answer_the_question_does_not_have(folder):
    change(
        folder,
        "pothole.yaml",
        lambda d: question(d, "details").update(show_if={"question": "size", "equals": "huge"}),
    )
    refused(folder, "pothole.yaml: questions[4].show_if: huge is not an answer to 'size'")


def test_unknown_topic(folder):
    change(folder, "pothole.yaml", lambda d: d.update(topic="roads"))
    refused(folder, "pothole.yaml: topic: 'roads' is not a topic in _catalog.yaml")


def test_unknown_department(folder):
    change(folder, "pothole.yaml", lambda d: d.update(department="roads"))
    refused(folder, "pothole.yaml: department: 'roads' is not a department in _catalog.yaml")


def test_duplicate_question_code(folder):
    change(folder, "pothole.yaml", lambda d: question(d, "size").update(code="location"))
    refused(folder, "pothole.yaml: questions[2].code: 'location' is used twice")


def test_a_group_needs_its_item_and_add_labels(folder):
    def make_group(data):
        details = question(data, "details")
        inner = {key: details[key] for key in ("code", "datatype", "text")}
        inner["datatype"] = "string"
        details.clear()
        details.update(code="people", datatype="group", questions=[inner], text=inner["text"])

    change(folder, "pothole.yaml", make_group)
    refused(folder, "pothole.yaml: questions[4].text: a group needs item_label and add_label")


def test_a_file_question_cannot_sit_inside_a_group(folder):
    def make_group(data):
        details = question(data, "details")
        inner = {key: details[key] for key in ("code", "datatype", "text")}
        inner["datatype"] = "file"
        text = {loc: {**t, "item_label": "Item", "add_label": "Add"} for loc, t in details["text"].items()}
        details.clear()
        details.update(code="people", datatype="group", questions=[inner], text=text)

    change(folder, "pothole.yaml", make_group)
    refused(folder, "pothole.yaml: questions[4].questions[0].datatype: 'file' cannot be asked inside a group")


def test_a_number_condition_needs_a_number_question(folder):
    change(folder, "pothole.yaml",
           lambda d: question(d, "details").update(show_if={"question": "size", "at_most": 3}))
    refused(folder, "pothole.yaml: questions[4].show_if.at_most: 'size' is not a number question")
