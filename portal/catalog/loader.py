"""Load and validate the catalog folder. Any error names the file and the field."""

from __future__ import annotations

import re
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

    def parts(self) -> tuple[str, str | None, str]:
        """The file, the field (None when the whole file is at fault) and the problem, apart."""
        file, _, rest = str(self).partition(": ")
        if rest.startswith(("not valid YAML", "not UTF-8", "missing", "no service")) or ": " not in rest:
            return file, None, rest
        field, _, problem = rest.partition(": ")
        return file, field, problem


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _read(file: Path) -> Any:
    return _parse(file.read_bytes(), file)


def _parse(content: bytes, file: Path, aliases: bool = True) -> Any:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{file}: not UTF-8 text: {exc}") from None
    try:
        if not aliases and any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            # A few aliases can stand for millions of values: a file from outside gives each value once.
            raise CatalogError(f"{file}: not valid YAML: anchors and aliases (*name) are not allowed here")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: not valid YAML: {exc}") from None
    except RecursionError:
        raise CatalogError(f"{file}: not valid YAML: nested too deeply") from None


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


GROUP_MEMBER_TYPES = {"string", "number", "money", "date", "yesno", "singlevaluelist", "email", "phone"}
NUMERIC = {"number", "money"}


def _check_condition(file: Path, cwhere: str, cond: dict, seen: dict[str, dict], tables: dict) -> None:
    target = seen.get(cond["question"])
    if target is None:
        raise CatalogError(f"{file}: {cwhere}.question: {cond['question']!r} is not an earlier question")
    for operator in ("at_least", "at_most"):
        if operator in cond:
            if target["datatype"] not in NUMERIC:
                raise CatalogError(f"{file}: {cwhere}.{operator}: {cond['question']!r} is not a number question")
            limit = cond[operator]
            if isinstance(limit, dict):
                if limit["table"] not in tables:
                    raise CatalogError(f"{file}: {cwhere}.{operator}.table: no table {limit['table']!r} in tables")
                by = seen.get(limit["by"])
                if by is None or by["datatype"] != "number":
                    raise CatalogError(f"{file}: {cwhere}.{operator}.by: {limit['by']!r} is not an earlier number question")
    allowed = {"yes", "no"} if target["datatype"] == "yesno" else {v["key"] for v in target.get("values", [])}
    wanted = ([cond["equals"]] if "equals" in cond else [cond["not_equals"]] if "not_equals" in cond
              else cond.get("any_of", []))
    if allowed and not set(wanted) <= allowed:
        bad = sorted(set(wanted) - allowed)
        raise CatalogError(f"{file}: {cwhere}: {', '.join(bad)} is not an answer to {cond['question']!r}")


def _check_questions(file: Path, prefix: str, questions: list, locales: Sequence[str],
                     tables: dict, outer: dict[str, dict] | None = None) -> None:
    seen: dict[str, dict] = dict(outer or {})
    codes: set[str] = set()
    for i, q in enumerate(questions):
        where = f"{prefix}[{i}]"
        if q["code"] in codes:
            raise CatalogError(f"{file}: {where}.code: {q['code']!r} is used twice")
        codes.add(q["code"])
        _check_locales(file, f"{where}.text", q["text"], locales)
        text = q["text"][locales[0]]
        if q["datatype"] not in schema.ASKABLE:
            raise CatalogError(
                f"{file}: {where}.datatype: {q['datatype']!r} questions cannot be asked by this "
                "version of the portal yet"
            )
        if q["datatype"] in ("exit", "info", "declaration") and "body" not in text:
            raise CatalogError(f"{file}: {where}.text: a {q['datatype']} page needs a body")
        if q["datatype"] == "declaration" and "confirm" not in text:
            raise CatalogError(f"{file}: {where}.text: a declaration needs the confirm text")
        if q["datatype"] == "group" and not {"item_label", "add_label"} <= set(text):
            raise CatalogError(f"{file}: {where}.text: a group needs item_label and add_label")
        if outer is not None and q["datatype"] not in GROUP_MEMBER_TYPES:
            raise CatalogError(f"{file}: {where}.datatype: {q['datatype']!r} cannot be asked inside a group")
        for j, value in enumerate(q.get("values", [])):
            _check_locales(file, f"{where}.values[{j}].text", value["text"], locales)
        keys = [v["key"] for v in q.get("values", [])]
        if len(keys) != len(set(keys)):
            raise CatalogError(f"{file}: {where}.values: a key is used twice")
        if "min" in q and "max" in q and q["min"] > q["max"]:
            raise CatalogError(f"{file}: {where}.min: greater than max")
        if "count_matches" in q and seen.get(q["count_matches"], {}).get("datatype") != "number":
            raise CatalogError(f"{file}: {where}.count_matches: {q['count_matches']!r} is not an earlier number question")
        if q.get("min_items", 0) > q.get("max_items", 50):
            raise CatalogError(f"{file}: {where}.min_items: greater than max_items")
        spec = q.get("show_if")
        for k, cond in enumerate(spec if isinstance(spec, list) else [spec] if spec else []):
            _check_condition(file, f"{where}.show_if" + (f"[{k}]" if isinstance(spec, list) else ""),
                             cond, seen, tables)
        if q["datatype"] == "group":
            _check_questions(file, f"{where}.questions", q["questions"], locales, tables, outer={})
        seen[q["code"]] = q


def _check_priority_rules(file: Path, data: dict, locales: Sequence[str]) -> None:
    """Each rule's conditions name questions of the service (or, with ``for_any``, of that group)."""
    questions = {q["code"]: q for q in data["questions"]}
    codes: set[str] = set()
    for i, rule in enumerate(data.get("priority_rules", [])):
        where = f"priority_rules[{i}]"
        if rule["code"] in codes:
            raise CatalogError(f"{file}: {where}.code: {rule['code']!r} is used twice")
        codes.add(rule["code"])
        _check_locales(file, f"{where}.text", rule["text"], locales)
        seen = questions
        if "for_any" in rule:
            group = questions.get(rule["for_any"])
            if group is None or group["datatype"] != "group":
                raise CatalogError(f"{file}: {where}.for_any: {rule['for_any']!r} is not a group question")
            seen = {q["code"]: q for q in group["questions"]}
        spec = rule["when"]
        for k, cond in enumerate(spec if isinstance(spec, list) else [spec]):
            cwhere = f"{where}.when" + (f"[{k}]" if isinstance(spec, list) else "")
            if cond["question"] not in seen:
                raise CatalogError(f"{file}: {cwhere}.question: {cond['question']!r} is not a question "
                                   + (f"of {rule['for_any']!r}" if "for_any" in rule else "of this service"))
            _check_condition(file, cwhere, cond, seen, data.get("tables", {}))


def load_definition(file: Path, locales: Sequence[str], topics: set[str], departments: set[str]) -> ServiceDefinition:
    return _definition(_read(file), file, locales, topics, departments)


def read_definition(content: bytes, name: str, catalog: Catalog, locales: Sequence[str]) -> ServiceDefinition:
    """A definition file given as bytes (``name``: its file name), checked as the loader checks the
    catalog folder, against the topics and departments of the published ``catalog``."""
    # Only the file's own name, in plain letters: it starts every message, before the first ": ".
    file = Path(re.sub(r"[^A-Za-z0-9._-]", "_", name.replace("\\", "/").rsplit("/", 1)[-1]) or "(no name)")
    return _definition(_parse(content, file, aliases=False), file, locales,
                       {t.code for t in catalog.topics}, {d.code for d in catalog.departments})


def _definition(data: Any, file: Path, locales: Sequence[str], topics: set[str], departments: set[str]) -> ServiceDefinition:
    try:
        _schema_check(file, data, _service_validator)
    except RecursionError:
        raise CatalogError(f"{file}: (top level): nested too deeply") from None
    if data["code"] != file.stem:
        raise CatalogError(f"{file}: code: {data['code']!r} does not match the file name")
    if data["topic"] not in topics:
        raise CatalogError(f"{file}: topic: {data['topic']!r} is not a topic in {CATALOG_FILE}")
    if data["department"] not in departments:
        raise CatalogError(f"{file}: department: {data['department']!r} is not a department in {CATALOG_FILE}")
    _check_locales(file, "text", data["text"], locales)
    _check_questions(file, "questions", data["questions"], locales, data.get("tables", {}))
    _check_priority_rules(file, data, locales)
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
