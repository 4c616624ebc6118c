"""Load and validate the catalog folder. Any error names the file and the field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from . import schema
from .definition import Catalog, Named, ServiceDefinition

CATALOG_FILE = "_catalog.yaml"
_service_validator = Draft202012Validator(schema.SERVICE)
_catalog_validator = Draft202012Validator(schema.CATALOG)


class CatalogError(ValueError):
    """A definition file is not valid. The message names the file and the field."""


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _read(file: Path) -> Any:
    try:
        with file.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{file}: not UTF-8 text: {exc}") from None


def _schema_check(file: Path, data: Any, validator: Draft202012Validator) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise CatalogError(f"{file}: {_where(first.absolute_path)}: {first.message}")


def _check_locales(file: Path, where: str, text: dict, locales: Sequence[str]) -> None:
    missing = [loc for loc in locales if loc not in text]
    if missing:
        raise CatalogError(f"{file}: {where}: no text in {', '.join(missing)}")
    first = text[locales[0]]
    if isinstance(first, dict):
        for loc in locales[1:]:
            if set(text[loc]) != set(first):
                diff = sorted(set(text[loc]) ^ set(first))
                raise CatalogError(f"{file}: {where}.{loc}: keys differ from {locales[0]}: {', '.join(diff)}")


def _check_questions(file: Path, prefix: str, questions: list, locales: Sequence[str]) -> None:
    seen: dict[str, dict] = {}
    for i, q in enumerate(questions):
        where = f"{prefix}[{i}]"
        if q["code"] in seen:
            raise CatalogError(f"{file}: {where}.code: {q['code']!r} is used twice")
        _check_locales(file, f"{where}.text", q["text"], locales)
        if q["datatype"] not in schema.ASKABLE:
            raise CatalogError(
                f"{file}: {where}.datatype: {q['datatype']!r} questions cannot be asked by this "
                "version of the portal yet"
            )
        if q["datatype"] == "exit" and "body" not in q["text"][locales[0]]:
            raise CatalogError(f"{file}: {where}.text: an exit page needs a body")
        for j, value in enumerate(q.get("values", [])):
            _check_locales(file, f"{where}.values[{j}].text", value["text"], locales)
        keys = [v["key"] for v in q.get("values", [])]
        if len(keys) != len(set(keys)):
            raise CatalogError(f"{file}: {where}.values: a key is used twice")
        if "min" in q and "max" in q and q["min"] > q["max"]:
            raise CatalogError(f"{file}: {where}.min: greater than max")
        spec = q.get("show_if")
        for k, cond in enumerate(spec if isinstance(spec, list) else [spec] if spec else []):
            cwhere = f"{where}.show_if" + (f"[{k}]" if isinstance(spec, list) else "")
            target = seen.get(cond["question"])
            if target is None:
                raise CatalogError(
                    f"{file}: {cwhere}.question: {cond['question']!r} is not an earlier question"
                )
            allowed = {"yes", "no"} if target["datatype"] == "yesno" else {
                v["key"] for v in target.get("values", [])
            }
            wanted = [cond["equals"]] if "equals" in cond else cond["any_of"]
            if allowed and not set(wanted) <= allowed:
                bad = sorted(set(wanted) - allowed)
                raise CatalogError(f"{file}: {cwhere}: {', '.join(bad)} is not an answer to {cond['question']!r}")
        if q["datatype"] == "group":
            _check_questions(file, f"{where}.questions", q["questions"], locales)
        seen[q["code"]] = q


def load_definition(file: Path, locales: Sequence[str], topics: set[str], departments: set[str]) -> ServiceDefinition:
    data = _read(file)
    _schema_check(file, data, _service_validator)
    if data["code"] != file.stem:
        raise CatalogError(f"{file}: code: {data['code']!r} does not match the file name")
    if data["topic"] not in topics:
        raise CatalogError(f"{file}: topic: {data['topic']!r} is not a topic in {CATALOG_FILE}")
    if data["department"] not in departments:
        raise CatalogError(f"{file}: department: {data['department']!r} is not a department in {CATALOG_FILE}")
    _check_locales(file, "text", data["text"], locales)
    _check_questions(file, "questions", data["questions"], locales)
    if data["questions"][0]["datatype"] == "exit" and "show_if" not in data["questions"][0]:
        raise CatalogError(f"{file}: questions[0]: the first page cannot be an unconditional exit")
    return ServiceDefinition(data)


def load_catalog(directory: str | Path, locales: Sequence[str]) -> Catalog:
    folder = Path(directory)
    index = folder / CATALOG_FILE
    if not index.is_file():
        raise CatalogError(f"{index}: missing (it lists the agency, topics and departments)")
    data = _read(index)
    _schema_check(index, data, _catalog_validator)
    _check_locales(index, "agency.text", data["agency"]["text"], locales)
    named: dict[str, tuple[Named, ...]] = {}
    for group in ("topics", "departments"):
        items = []
        for i, item in enumerate(data[group]):
            _check_locales(index, f"{group}[{i}].text", item["text"], locales)
            items.append(Named(item["code"], item["text"]))
        codes = [n.code for n in items]
        if len(codes) != len(set(codes)):
            raise CatalogError(f"{index}: {group}: a code is used twice")
        named[group] = tuple(items)
    topic_codes = {t.code for t in named["topics"]}
    department_codes = {d.code for d in named["departments"]}
    services = {}
    for file in sorted(folder.glob("*.yaml")):
        if file.name.startswith("_"):
            continue
        definition = load_definition(file, locales, topic_codes, department_codes)
        services[definition.code] = definition
    if not services:
        raise CatalogError(f"{folder}: no service definition files (*.yaml)")
    return Catalog(Named("agency", data["agency"]["text"]), named["topics"], named["departments"], services)
