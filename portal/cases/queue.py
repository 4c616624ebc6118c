"""The staff queues: the cases a member of staff may read, filtered and ordered in the database, one
page at a time.

Everything here is one SQL query (or two: the page and the counts per status). Nothing loads every
case: a page is found by keyset pagination (the sort key of the last row shown, never an offset),
and the counts are a GROUP BY over the same scope and filters. The scope is the policy's: the
departments whose cases the actor may read (``policy.departments_for``), nothing else.

A query comes from the page's address (GET parameters), so a view can be bookmarked and shared;
``Query.parse`` refuses a value it does not know with ``BadQuery`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..actors import Actor
from ..models import Case, ContactPreferences, StaffMember
from . import policy, workflow

PAGE_SIZE = 50
VIEWS = ("mine", "unassigned", "all")
CHANNELS = ("web", "phone", "counter", "post", "email", "api")
NEEDS = ("large_print", "braille", "interpreter", "tty")
PRIORITIES = range(10)
# The resident has their answer (decided) or the case is over (final): nothing is owed any more.
FINISHED = frozenset(s for w in workflow.WORKFLOWS.values() for s in w.final | w.decided)
# No one has looked at the case yet: the first response is still owed.
NOT_RESPONDED = frozenset({workflow.RECEIVED})


class BadQuery(ValueError):
    """A parameter of the queue's address has a value the queue does not know."""

    def __init__(self, parameter: str, value: str):
        super().__init__(f"{parameter}: {value!r} is not a value the queue knows")
        self.parameter, self.value = parameter, value


# Each sort: its columns, and whether each runs descending. The case id comes last, so the order
# is total and a cursor names exactly one place in it.
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "priority": (("priority", True), ("respond_by", False), ("id", False)),
    "age": (("submitted_at", False), ("id", False)),
    "respond_by": (("respond_by", False), ("priority", True), ("id", False)),
    "resolve_by": (("resolve_by", False), ("priority", True), ("id", False)),
}
_READ = {"priority": int, "id": int, "respond_by": date.fromisoformat, "resolve_by": date.fromisoformat,
         "submitted_at": datetime.fromisoformat}


@dataclass(frozen=True)
class Query:
    view: str = "mine"
    statuses: tuple[str, ...] = ()
    service: str | None = None
    department: str | None = None
    priority: int | None = None  # at least this priority
    overdue: bool = False
    channel: str | None = None
    language: str | None = None
    need: str | None = None
    updated_since: datetime | None = None  # changed at or after this time (the case API's sync)
    sort: str = "priority"
    after: tuple | None = None  # the sort key of the last row of the page before
    before: tuple | None = None  # the sort key of the first row of the page after

    @classmethod
    def parse(cls, params: Mapping[str, Sequence[str]], *, services: Collection[str],
              departments: Collection[str], languages: Collection[str]) -> Query:
        """The query a page's address asks for (``params``: each name with its values)."""

        def one(name: str, allowed: Collection[str] | None = None) -> str | None:
            values = [v for v in params.get(name, []) if v != ""]
            if not values:
                return None
            if len(values) > 1 or (allowed is not None and values[0] not in allowed):
                raise BadQuery(name, ",".join(values))
            return values[0]

        statuses = tuple(v for v in params.get("status", []) if v != "")
        for status in statuses:
            if status not in workflow.STATUSES:
                raise BadQuery("status", status)
        priority = one("priority", [str(p) for p in PRIORITIES])
        overdue = one("overdue", ["1"])
        sort = one("sort", SORTS) or "priority"
        query = cls(view=one("view", VIEWS) or "mine", statuses=tuple(sorted(set(statuses))),
                    service=one("service", services), department=one("department", departments),
                    priority=int(priority) if priority is not None else None, overdue=overdue == "1",
                    channel=one("channel", CHANNELS), language=one("language", languages),
                    need=one("need", NEEDS), sort=sort)
        after, before = one("after"), one("before")
        if after and before:
            raise BadQuery("before", before)
        return replace(query, after=_cursor(sort, after, "after"), before=_cursor(sort, before, "before"))

    def params(self, **changes: Any) -> dict[str, Any]:
        """The address parameters of this query (without its page), for links and saved filters;
        ``changes`` replace some (None drops one)."""
        found: dict[str, Any] = {"view": self.view, "status": list(self.statuses), "service": self.service,
                                 "department": self.department, "priority": self.priority,
                                 "overdue": "1" if self.overdue else None, "channel": self.channel,
                                 "language": self.language, "need": self.need,
                                 "sort": None if self.sort == "priority" else self.sort}
        found.update(changes)
        return {k: v for k, v in found.items() if v not in (None, [], "")}

    def query_string(self) -> str:
        return urlencode(self.params(), doseq=True)


def _cursor(sort: str, text: str | None, parameter: str) -> tuple | None:
    if text is None:
        return None
    parts = text.split("_")
    columns = SORTS[sort]
    if len(parts) != len(columns):
        raise BadQuery(parameter, text)
    try:
        return tuple(_READ[name](part) for (name, _), part in zip(columns, parts, strict=True))
    except ValueError:
        raise BadQuery(parameter, text) from None


def cursor_text(key: tuple) -> str:
    return "_".join(v.isoformat() if isinstance(v, date | datetime) else str(v) for v in key)


@dataclass(frozen=True)
class Row:
    """One case as the queue shows it."""

    id: int
    reference: str
    service_code: str
    department: str
    status: str
    priority: int
    priority_reasons: list[str]
    assignee_id: int | None
    assignee_name: str | None
    submitted_at: datetime
    respond_by: date
    resolve_by: date
    channel: str
    locale: str
    needs: tuple[str, ...]  # of NEEDS
    interpreter_language: str | None
    respond_overdue: bool
    resolve_overdue: bool
    revision: int

    @property
    def overdue(self) -> bool:
        return self.respond_overdue or self.resolve_overdue

    def key(self, sort: str) -> tuple:
        return tuple(getattr(self, name) for name, _ in SORTS[sort])


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    counts: dict[str, int]  # per status, for the same scope and filters (all statuses)
    next_after: str | None  # cursor for the next page, if there is one
    previous_before: str | None  # cursor for the page before, if there is one
    total: int = field(default=0)


def respond_overdue(today: date):
    return and_(Case.respond_by < today, Case.status.in_(NOT_RESPONDED))


def resolve_overdue(today: date):
    return and_(Case.resolve_by < today, Case.status.not_in(FINISHED))


def _preferences():
    """The contact preferences that go with a case: its own (a guest's, or given for this case), else
    its account's — at most one row, so a case is never listed twice."""
    own = aliased(ContactPreferences)
    return or_(ContactPreferences.case_id == Case.id,
               and_(Case.account_id.is_not(None), ContactPreferences.account_id == Case.account_id,
                    ~exists().where(own.case_id == Case.id)))


def in_scope(actor: Actor, permission: str = policy.CASE_READ) -> list:
    """Conditions that keep a query to the departments ``actor`` may use ``permission`` in."""
    departments = policy.departments_for(actor, permission)
    if departments is None:
        return []
    return [Case.department.in_(sorted(departments))] if departments else [Case.id.is_(None)]


def _staff_id(actor: Actor) -> int | None:
    return int(actor.id) if actor.kind == "staff" and actor.id and actor.id.isdigit() else None


def _filters(actor: Actor, query: Query, today: date, *, statuses: bool = True) -> list:
    found = in_scope(actor)
    if query.view == "mine":
        staff_id = _staff_id(actor)
        found.append(Case.assignee_id == staff_id if staff_id is not None else Case.id.is_(None))
    elif query.view == "unassigned":
        found.append(Case.assignee_id.is_(None))
    if statuses and query.statuses:
        found.append(Case.status.in_(query.statuses))
    for column, value in ((Case.service_code, query.service), (Case.department, query.department),
                          (Case.channel, query.channel), (Case.locale, query.language)):
        if value is not None:
            found.append(column == value)
    if query.priority is not None:
        found.append(Case.priority >= query.priority)
    if query.overdue:
        found.append(or_(respond_overdue(today), resolve_overdue(today)))
    if query.need is not None:
        found.append(_need(query.need))
    if query.updated_since is not None:
        found.append(Case.updated_at >= query.updated_since)
    return found


def _need(need: str):
    column = {"large_print": ContactPreferences.large_print, "braille": ContactPreferences.braille,
              "tty": ContactPreferences.tty_relay}.get(need)
    if column is not None:
        return column.is_(True)
    return and_(ContactPreferences.interpreter_language.is_not(None), ContactPreferences.interpreter_language != "")


def _after(sort: str, key: tuple, backwards: bool = False):
    """Rows after ``key`` in the sort's order (before it, ``backwards``): a keyset condition."""
    columns = [(getattr(Case, name), desc != backwards) for name, desc in SORTS[sort]]
    clauses = []
    for i, (column, desc) in enumerate(columns):
        equal = [c == v for (c, _), v in zip(columns[:i], key[:i], strict=False)]
        clauses.append(and_(*equal, column < key[i] if desc else column > key[i]))
    return or_(*clauses)


def _ordered(select_: Select, sort: str, backwards: bool = False) -> Select:
    return select_.order_by(*[(getattr(Case, name).desc() if desc != backwards else getattr(Case, name).asc())
                              for name, desc in SORTS[sort]])


def _select(today: date) -> Select:
    return (select(Case.id, Case.reference, Case.service_code, Case.department, Case.status, Case.priority,
                   Case.priority_reasons, Case.assignee_id, StaffMember.name, Case.submitted_at, Case.respond_by,
                   Case.resolve_by, Case.channel, Case.locale, ContactPreferences.large_print,
                   ContactPreferences.braille, ContactPreferences.interpreter_language,
                   ContactPreferences.tty_relay, respond_overdue(today), resolve_overdue(today), Case.revision)
            .select_from(Case)
            .outerjoin(StaffMember, StaffMember.id == Case.assignee_id)
            .outerjoin(ContactPreferences, _preferences()))


def _row(found) -> Row:
    (id_, reference, service, department, status, priority, reasons, assignee_id, assignee, submitted, respond_by,
     resolve_by, channel, locale, large_print, braille, interpreter, tty, late_response, late_resolution,
     revision) = found
    needs = tuple(n for n, on in (("large_print", large_print), ("braille", braille),
                                  ("interpreter", bool(interpreter)), ("tty", tty)) if on)
    return Row(id_, reference, service, department, status, priority or 0, list(reasons or []), assignee_id,
               assignee, submitted, respond_by, resolve_by, channel, locale, needs, interpreter or None,
               bool(late_response), bool(late_resolution), revision or 0)


def page(session: Session, actor: Actor, query: Query, today: date, size: int = PAGE_SIZE) -> Page:
    """One page of the queue ``query`` asks for, as ``actor`` may see it, and the counts per status."""
    conditions = _filters(actor, query, today)
    backwards = query.before is not None
    statement = _select(today).where(*conditions)
    if query.after is not None:
        statement = statement.where(_after(query.sort, query.after))
    if backwards:
        statement = statement.where(_after(query.sort, query.before, backwards=True))
    found = [_row(r) for r in session.execute(_ordered(statement, query.sort, backwards).limit(size + 1))]
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    # A further page in the direction read, and one back where this page was reached from another.
    has_next = more if not backwards else True
    has_previous = (more if backwards else query.after is not None)
    return Page(
        rows=found,
        counts=counts(session, actor, query, today),
        next_after=cursor_text(found[-1].key(query.sort)) if found and has_next else None,
        previous_before=cursor_text(found[0].key(query.sort)) if found and has_previous else None,
    )


def counts(session: Session, actor: Actor, query: Query, today: date) -> dict[str, int]:
    """How many cases of each status the query's scope and filters hold (the status filter aside,
    so the other statuses' counts stay in sight)."""
    statement = (select(Case.status, func.count(Case.id)).select_from(Case)
                 .outerjoin(ContactPreferences, _preferences())
                 .where(*_filters(actor, query, today, statuses=False)).group_by(Case.status))
    return {status: count for status, count in session.execute(statement)}


def rows_by_reference(session: Session, actor: Actor, references: Collection[str], today: date,
                      permission: str = policy.CASE_READ) -> list[Row]:
    """The cases named, those ``actor`` may use ``permission`` on, as the queue shows them."""
    statement = _select(today).where(Case.reference.in_(sorted(references)), *in_scope(actor, permission))
    return [_row(r) for r in session.execute(_ordered(statement, "priority"))]
