"""Service requests: post one (``POST requests``), turn its token into its id (``tokens/{token}``),
search them (``GET requests``) and read one (``requests/{id}``).

A posted request is answered through the question pages' own forms (``portal.forms.answers``) and
made the one way a case is made (``portal.cases.intake``, channel "open311"): the api_key's client
must be allowed by the policy, and the resident's receipt goes by email or text. Each answer that
cannot be used is one error of the response, in the caller's language; nothing is kept unless all
is well. The service request id is the case's reference; requests are read as
``portal.cases.service_requests`` publishes them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from .. import db, documents
from ..cases import intake, service_requests
from ..cases.policy import Refused
from ..catalog import open311 as catalog311
from ..forms import answers as checked
from ..forms.uploads import STATUS, refusal_message
from . import bp
from .common import FMT, check_jurisdiction, client_actor, locale, service
from .formats import Open311Error, reply

ATTRIBUTE = re.compile(r"attribute\[([^\[\]]{1,64})\](\[\])?")
WINDOW = timedelta(days=90)  # the longest search, and the one given when no dates are
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
MAX_IDS = 100
TEXT_LIMIT = 4000
URL_LIMIT = 2048


def _tokens() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="open311-token")


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def stamp(moment: datetime | None) -> str | None:
    """A datetime as the specification writes them: ISO 8601 with the agency's offset."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_timezone()).isoformat(timespec="seconds")


# --- posting a request --------------------------------------------------------------------------


def _attributes() -> dict:
    given: dict = {}
    for name in request.form:
        match = ATTRIBUTE.fullmatch(name)
        if match is None:
            continue
        code, many = match[1], bool(match[2])
        given[code] = request.form.getlist(name) if many else request.form.get(name, "")
    return given


def _field(name: str, limit: int = 200) -> str:
    value = (request.form.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error((400, _("%(field)s must be %(limit)s characters or fewer.", field=name, limit=limit)))
    return value


def _location(definition, given: dict) -> None:
    """Open311's location fields as the answer to the service's address question (unless the client
    answered it as an attribute)."""
    lat, lon = _field("lat", 32), _field("long", 32)
    address, address_id = _field("address_string"), _field("address_id", 64)
    if not ((lat and lon) or address or address_id):
        raise Open311Error((400, _("Give the location: lat and long, address_string or address_id.")))
    where = catalog311.location_question(definition)
    if where is None or where.code in given:
        return
    street = address or (_("Address %(id)s", id=address_id) if address_id else f"{lat}, {lon}")
    given[where.code] = {"street": street, "latitude": lat, "longitude": lon}


def _description(definition, given: dict) -> None:
    text = _field("description", TEXT_LIMIT)
    if not text:
        return
    free = next((q for q in catalog311.attribute_questions(definition)
                 if q.datatype == "text" and q.code not in given), None)
    if free is not None:
        given[free.code] = text


def _media_url() -> None:
    url = _field("media_url", URL_LIMIT)
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise Open311Error((400, _("media_url must be an http or https address.")))


def _problems(found: list[checked.Invalid]) -> Open311Error:
    return Open311Error(*[(400, f"{i.question}: {i.message}") for i in found])


@bp.post(f"/requests.{FMT}")
def post_request(fmt: str):
    check_jurisdiction()
    actor = client_actor()
    code = request.form.get("service_code", "")
    if not code:
        raise Open311Error((400, _("service_code is missing.")))
    definition = service(code)
    try:
        intake.require_allowed(actor, definition)
    except Refused:
        raise Open311Error((403, _("This api_key may not post requests for this service."))) from None
    given = _attributes()
    _location(definition, given)
    _description(definition, given)
    _media_url()
    answers, found = checked.check(definition, given, locale())
    if found:
        raise _problems(found)
    name = " ".join(part for part in (_field("first_name"), _field("last_name")) if part)
    resident = intake.Resident(name=name, email=_field("email", 254), phone=_field("phone", 32))
    media = [(upload.filename, upload.stream) for upload in request.files.getlist("media") if upload.filename]
    try:
        sent = intake.create(db.session(), actor, definition, answers, resident=resident, channel="open311",
                             locale=locale(), secret_key=current_app.config["SECRET_KEY"],
                             timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"], media=media)
    except Refused:
        raise Open311Error((403, _("This api_key may not post requests for this service."))) from None
    except intake.IntakeError as error:
        raise Open311Error(*[(400, f"{where}: {reason}") for where, reason in error.problems]) from None
    except documents.DocumentRefused as refused:
        raise Open311Error((STATUS[refused.reason], refusal_message(refused, _("The media file")))) from None
    case = sent.case
    return reply(fmt, "service_requests", [{
        "service_request_id": case.reference, "token": _tokens().dumps(case.reference),
        "service_notice": definition.text(locale()).get("next_steps", ""), "account_id": None}], 201)


@bp.get(f"/tokens/<token>.{FMT}")
def token(token: str, fmt: str):
    check_jurisdiction()
    try:
        reference = _tokens().loads(token)
    except BadSignature:
        reference = None
    if not isinstance(reference, str) or service_requests.get(db.session(), reference) is None:
        raise Open311Error((404, _("There is no request with this token.")))
    return reply(fmt, "service_requests", [{"service_request_id": reference, "token": token}])


# --- reading requests ---------------------------------------------------------------------------


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error((400, _("%(field)s must be a date and time like 2026-03-27T14:30:00-05:00.",
                                   field=name)))
    # Compared in UTC, as the database keeps times, whatever offset the client wrote.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=_timezone())).astimezone(UTC)


def window() -> tuple[datetime | None, datetime | None]:
    """start_date and end_date: at most 90 days apart (the latest 90 days when neither is given)."""
    start, end = _moment("start_date"), _moment("end_date")
    if start and end and end < start:
        raise Open311Error((400, _("end_date must be after start_date.")))
    if start and end and end - start > WINDOW:
        raise Open311Error((400, _("start_date and end_date must be at most 90 days apart.")))
    if start is None and end is not None:
        start = end - WINDOW
    if end is None and start is not None:
        end = start + WINDOW
    return start, end


def _number(name: str, default: int, largest: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= largest:
        raise Open311Error((400, _("%(field)s must be a whole number from 1 to %(largest)s.", field=name,
                                   largest=largest)))
    return int(raw)


def _search() -> service_requests.Search:
    ids = tuple(i.strip() for i in request.args.get("service_request_id", "").split(",") if i.strip())
    if len(ids) > MAX_IDS:
        raise Open311Error((400, _("Ask for at most %(count)s service_request_id values at once.", count=MAX_IDS)))
    size = _number("page_size", PAGE_SIZE, MAX_PAGE_SIZE)
    page = _number("page", 1, 10_000)
    if ids:
        # The specification: service_request_id "overrides all other arguments".
        return service_requests.Search(references=ids, offset=(page - 1) * size, limit=size)
    codes = tuple(c.strip() for c in request.args.get("service_code", "").split(",") if c.strip())
    for code in codes:
        service(code)
    statuses = tuple(s.strip() for s in request.args.get("status", "").split(",") if s.strip())
    if set(statuses) - {service_requests.OPEN, service_requests.CLOSED}:
        raise Open311Error((400, _("status must be open, closed or both.")))
    start, end = window()
    if start is None:
        end = datetime.now(UTC)
        start = end - WINDOW
    return service_requests.Search(references=ids, service_codes=codes, start=start, end=end, statuses=statuses,
                                   offset=(page - 1) * size, limit=size)


def _extensions() -> bool:
    value = request.args.get("extensions", "false")
    if value not in ("true", "false"):
        raise Open311Error((400, _("extensions must be true or false.")))
    return value == "true"


def described(case, history: list[service_requests.Update], *, extended: bool) -> dict:
    catalog = current_app.extensions["catalog"]
    definition = catalog.services.get(case.service_code)
    where = locale()
    question = catalog311.location_question(definition) if definition else None
    place = service_requests.location(case, question.code if question else None)
    department = next((d for d in catalog.departments if d.code == case.department), None)
    found = {
        "service_request_id": case.reference, "status": service_requests.open_or_closed(case),
        "status_notes": service_requests.latest_note(history),
        "service_name": definition.name(where) if definition else case.service_code,
        "service_code": case.service_code, "description": None,
        "agency_responsible": department.name(where) if department else case.department,
        "service_notice": definition.text(where).get("next_steps") if definition else None,
        "requested_datetime": stamp(case.submitted_at), "updated_datetime": stamp(case.updated_at),
        "expected_datetime": stamp(datetime.combine(case.resolve_by, datetime.min.time(), _timezone())),
        "address": place.get("street") or None, "address_id": None, "zipcode": place.get("zip") or None,
        "lat": _coordinate(place.get("latitude")), "long": _coordinate(place.get("longitude")),
        "media_url": None,
    }
    if extended:
        found["attributes"] = _listed_answers(case, definition)
        found["notes"] = [{"datetime": stamp(u.occurred_at), "status": u.status, "description": u.note or ""}
                          for u in history]
    return found


# Answers published with extensions=true: the choices from a service's lists, never free text (which
# may hold what a resident wrote about themself).
LISTED = {"singlevaluelist", "multivaluelist", "yesno"}


def _listed_answers(case, definition) -> list[dict]:
    if definition is None:
        return []
    answers = case.answers or {}
    return [{"code": q.code, "value": answers[q.code]} for q in catalog311.attribute_questions(definition)
            if q.datatype in LISTED and answers.get(q.code) not in (None, "", [])]


def _coordinate(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@bp.get(f"/requests.{FMT}")
def requests_list(fmt: str):
    check_jurisdiction()
    search, extended = _search(), _extensions()
    cases = service_requests.find(db.session(), search)
    history = service_requests.updates(db.session(), cases)
    return reply(fmt, "service_requests", [described(c, history[c.id], extended=extended) for c in cases])


@bp.get(f"/requests/<service_request_id>.{FMT}")
def request_one(service_request_id: str, fmt: str):
    check_jurisdiction()
    extended = _extensions()
    case = service_requests.get(db.session(), service_request_id[:32])
    if case is None:
        raise Open311Error((404, _("There is no request %(id)s.", id=service_request_id[:32])))
    history = service_requests.updates(db.session(), [case])
    return reply(fmt, "service_requests", [described(case, history[case.id], extended=extended)])


@bp.url_value_preprocessor
def _upload_body_limit(endpoint: str | None, values: dict | None) -> None:
    """A posted request may carry media: its body may be as large as one case's files, plus the form
    (each file is then held to the per-file limit by ``portal.documents``)."""
    if endpoint == "open311.post_request" and request.mimetype == "multipart/form-data":
        request.max_content_length = (current_app.config["UPLOAD_MAX_CASE_MB"] + 1) * documents.MB
