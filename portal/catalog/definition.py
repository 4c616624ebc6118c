"""Read-only views of a validated service definition and of the catalog around it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# Open311 GeoReport v2 datatypes for the portal's own datatypes.
OPEN311_DATATYPE = {
    "string": "string", "text": "text", "number": "number", "money": "number",
    "date": "datetime", "datetime": "datetime", "yesno": "singlevaluelist",
    "singlevaluelist": "singlevaluelist", "multivaluelist": "multivaluelist",
    "address": "string", "email": "string", "phone": "string", "file": "string",
}


def pick(text: dict[str, Any], locale: str, fallback: str = "en") -> Any:
    """The text for a locale. The loader guarantees every shipped locale is present."""
    return text.get(locale) or text[fallback]


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


_MISSING = object()


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


@dataclass(frozen=True)
class Condition:
    """``question`` OPERATOR ``value``: equals, not_equals, any_of, at_least, at_most, answered."""

    question: str
    operator: str
    value: Any

    @classmethod
    def parse(cls, spec: dict[str, Any]) -> Condition:
        operator = next(op for op in ("equals", "not_equals", "any_of", "at_least", "at_most", "answered") if op in spec)
        return cls(spec["question"], operator, spec[operator])

    def limit(self, answers: dict[str, Any], tables: dict[str, dict[str, float]]) -> Decimal | None:
        if not isinstance(self.value, dict):
            return _number(self.value)
        table = tables[self.value["table"]]
        by = _number(answers.get(self.value["by"]))
        if by is None:
            return None
        keys = sorted(int(k) for k in table)
        # Past the table's end, the last row applies.
        key = max([k for k in keys if k <= by] or [keys[0]])
        return _number(table[str(key)])

    def holds(self, answers: dict[str, Any], tables: dict[str, dict[str, float]] | None = None) -> bool:
        answer = answers.get(self.question)
        if self.operator == "answered":
            return _answered(answer) == bool(self.value)
        if self.operator in ("at_least", "at_most"):
            number, limit = _number(answer), self.limit(answers, tables or {})
            if number is None or limit is None:
                return False
            return number >= limit if self.operator == "at_least" else number <= limit
        values = {self.value} if self.operator in ("equals", "not_equals") else set(self.value)
        found = bool(values.intersection(answer)) if isinstance(answer, list) else answer in values
        if self.operator == "not_equals":
            return _answered(answer) and not found
        return found


@dataclass(frozen=True)
class Question:
    raw: dict[str, Any] = field(repr=False)

    @property
    def code(self) -> str:
        return self.raw["code"]

    @property
    def datatype(self) -> str:
        return self.raw["datatype"]

    @property
    def required(self) -> bool:
        return bool(self.raw.get("required", False)) and self.datatype != "exit"

    @property
    def is_exit(self) -> bool:
        return self.datatype == "exit"

    def complete(self, value: Any, answers: dict[str, Any] | None = None) -> bool:
        """Whether ``value`` may be sent as this question's answer (``answers``: all the answers,
        for a rule that looks at an earlier one)."""
        if value is _MISSING:
            return False
        if self.datatype == "group":
            return self.group_problem(value, answers or {}) is None
        if self.datatype == "file" and self.required:
            return isinstance(value, list) and len(value) > 0
        return True

    @property
    def in_summary(self) -> bool:
        """Shown on check answers and tracking pages (pages with nothing to answer are not)."""
        return self.datatype not in ("exit", "info")

    @property
    def max_files(self) -> int:
        return int(self.raw.get("max_files") or 5)

    @property
    def min_items(self) -> int:
        return int(self.raw.get("min_items", 1 if self.required else 0))

    @property
    def max_items(self) -> int:
        return int(self.raw.get("max_items") or 20)

    @property
    def count_matches(self) -> str | None:
        return self.raw.get("count_matches")

    def expected_items(self, answers: dict[str, Any]) -> int | None:
        """How many items an earlier answer says the group must have (``count_matches``), or None
        when there is no such rule or that answer is not a whole number."""
        if not self.count_matches:
            return None
        number = _number(answers.get(self.count_matches))
        if number is None or number != number.to_integral_value():
            return None
        return int(number)

    def group_problem(self, items: Any, answers: dict[str, Any]) -> str | None:
        """What stops a repeating group's items being sent, or None: "too_few" or "too_many" items,
        "count" when they differ from an earlier answer (``count_matches``), "item" when an item
        lacks an answer to a required question. The group's pages check the same rules one at a
        time; this is where they hold for every front door."""
        if not isinstance(items, list):
            return "too_few"
        if len(items) < self.min_items:
            return "too_few"
        if len(items) > self.max_items:
            return "too_many"
        expected = self.expected_items(answers)
        if expected is not None and len(items) != expected:
            return "count"
        required = [q.code for q in self.questions if q.required]
        if any(not isinstance(item, dict) or not all(_answered(item.get(code)) for code in required)
               for item in items):
            return "item"
        return None

    @property
    def prefill(self) -> str | None:
        return self.raw.get("prefill")

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions asked for each item of a repeating group."""
        return tuple(Question(q) for q in self.raw.get("questions", []))

    @property
    def max_length(self) -> int:
        return int(self.raw.get("max_length") or (2000 if self.datatype == "text" else 200))

    @property
    def minimum(self) -> float | None:
        return self.raw.get("min")

    @property
    def maximum(self) -> float | None:
        return self.raw.get("max")

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return _conditions(self.raw.get("show_if"))

    def applies(self, answers: dict[str, Any], tables: dict[str, dict[str, float]] | None = None) -> bool:
        return all(c.holds(answers, tables) for c in self.conditions)

    def text(self, locale: str) -> dict[str, str]:
        return pick(self.raw["text"], locale)

    def label(self, locale: str) -> str:
        return self.text(locale)["label"]

    def values(self, locale: str) -> list[tuple[str, str]]:
        return [(v["key"], pick(v["text"], locale)) for v in self.raw.get("values", [])]

    def value_keys(self) -> set[str]:
        if self.datatype == "yesno":
            return {"yes", "no"}
        return {v["key"] for v in self.raw.get("values", [])}


def _conditions(spec: Any) -> tuple[Condition, ...]:
    if not spec:
        return ()
    return tuple(Condition.parse(s) for s in (spec if isinstance(spec, list) else [spec]))


@dataclass(frozen=True)
class PriorityRule:
    """When the answers show a greater need (a hazard to life, a child at home, no heat…), the case
    is worked sooner: ``priority`` (higher first), and a reason staff read in their language."""

    raw: dict[str, Any] = field(repr=False)

    @property
    def code(self) -> str:
        return self.raw["code"]

    @property
    def priority(self) -> int:
        return int(self.raw["priority"])

    @property
    def for_any(self) -> str | None:
        """A repeating group: the conditions hold when they hold for one of its items."""
        return self.raw.get("for_any")

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return _conditions(self.raw["when"])

    def matches(self, answers: dict[str, Any], tables: dict[str, dict[str, float]] | None = None) -> bool:
        if self.for_any is None:
            return all(c.holds(answers, tables) for c in self.conditions)
        items = answers.get(self.for_any)
        return isinstance(items, list) and any(
            isinstance(item, dict) and all(c.holds(item, tables) for c in self.conditions) for item in items)

    def reason(self, locale: str) -> str:
        return pick(self.raw["text"], locale)["reason"]


@dataclass(frozen=True)
class ServiceDefinition:
    raw: dict[str, Any] = field(repr=False)

    @property
    def code(self) -> str:
        return self.raw["code"]

    @property
    def kind(self) -> str:
        return self.raw["kind"]

    @property
    def topic(self) -> str:
        return self.raw["topic"]

    @property
    def department(self) -> str:
        return self.raw["department"]

    @property
    def respond_days(self) -> int:
        return self.raw["service_level"]["respond_days"]

    @property
    def resolve_days(self) -> int:
        return self.raw["service_level"]["resolve_days"]

    @property
    def open311_type(self) -> str:
        return self.raw.get("open311_type", "realtime")

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(Question(q) for q in self.raw["questions"])

    @property
    def tables(self) -> dict[str, dict[str, float]]:
        return self.raw.get("tables", {})

    @property
    def reopen_days(self) -> int:
        return int(self.raw.get("reopen_days", 14 if self.kind == "complaint" else 0))

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    @property
    def priority_rules(self) -> tuple[PriorityRule, ...]:
        return tuple(PriorityRule(r) for r in self.raw.get("priority_rules", []))

    def priority(self, answers: dict[str, Any]) -> tuple[int, list[str]]:
        """How urgent a case with these answers is (the highest matching rule's priority, 0 when
        none matches) and the codes of every rule that matched, in the file's order."""
        matched = [r for r in self.priority_rules if r.matches(answers, self.tables)]
        return max((r.priority for r in matched), default=0), [r.code for r in matched]

    def priority_reason(self, code: str, locale: str) -> str | None:
        """The reason a priority rule gives, in ``locale``; None for a code this version lacks."""
        rule = next((r for r in self.priority_rules if r.code == code), None)
        return rule.reason(locale) if rule else None

    def route(self, answers: dict[str, Any]) -> list[Question]:
        """The pages asked, in order, given the answers so far; it stops at an exit page."""
        pages = []
        for q in self.questions:
            if q.applies(answers, self.tables):
                pages.append(q)
                if q.is_exit:
                    break
        return pages

    def exit_reached(self, answers: dict[str, Any]) -> Question | None:
        pages = self.route(answers)
        return pages[-1] if pages and pages[-1].is_exit else None

    def unanswered(self, answers: dict[str, Any]) -> list[Question]:
        """Pages on the route not yet answered (an optional question left blank counts as answered;
        a group that breaks one of its rules, or a required file question with no file, does not)."""
        return [q for q in self.route(answers)
                if not q.is_exit and not q.complete(answers.get(q.code, _MISSING), answers)]

    def kept_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Only the answers to questions on the route: an answer to a question no longer asked is dropped."""
        return {q.code: answers[q.code] for q in self.route(answers) if q.code in answers}

    def text(self, locale: str) -> dict[str, Any]:
        return pick(self.raw["text"], locale)

    def name(self, locale: str) -> str:
        return self.text(locale)["name"]

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Named:
    code: str
    text: dict[str, dict[str, str]]

    def name(self, locale: str) -> str:
        return pick(self.text, locale)["name"]


@dataclass(frozen=True)
class Catalog:
    agency: Named
    topics: tuple[Named, ...]
    departments: tuple[Named, ...]
    services: dict[str, ServiceDefinition]

    def service(self, code: str) -> ServiceDefinition | None:
        return self.services.get(code)

    def by_topic(self, kind: str | None = None) -> list[tuple[Named, list[ServiceDefinition]]]:
        groups = []
        for topic in self.topics:
            members = [
                s for s in self.services.values()
                if s.topic == topic.code and (kind is None or s.kind == kind)
            ]
            if members:
                groups.append((topic, members))
        return groups
