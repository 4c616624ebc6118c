"""Discovery, the service list and each service's definition (its attributes), in the caller's
language, from the same catalog files as the web forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..catalog import open311 as catalog311
from . import bp
from .common import FMT, check_jurisdiction, locale, offered_services, service
from .formats import MEDIA, reply

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00+00:00"  # when this server's Open311 interface last changed

# What each of the portal's datatypes takes, told to the client with each attribute.
DATATYPE_WORDS = {
    "string": _l("Text on one line."),
    "text": _l("Text, several lines allowed."),
    "number": _l("A number, like 3."),
    "money": _l("An amount in dollars and cents, like 125.50."),
    "date": _l("A date, like 2025-03-27."),
    "datetime": _l("A date and time with its offset, like 2025-03-27T14:30:00-05:00."),
    "yesno": _l("yes or no."),
    "singlevaluelist": _l("The key of one of the values."),
    "multivaluelist": _l("The keys of any of the values, each as attribute[code][]."),
    "address": _l("A street address."),
    "email": _l("An email address, like name@example.com."),
    "phone": _l("A phone number, like 202 555 0143."),
}


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    base = current_app.config["PUBLIC_BASE_URL"] + "/open311/v2"
    return reply(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("Write to the agency through the portal's contact page."),
        "key_service": _("Ask the agency for an api_key: a client id and secret, joined by a colon."),
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": list(MEDIA.values())}],
    })


def _service(definition, where: str) -> dict:
    text = definition.text(where)
    topic = next((t for t in current_app.extensions["catalog"].topics if t.code == definition.topic), None)
    return {"service_code": definition.code, "service_name": text["name"],
            "description": text.get("description", ""),
            "metadata": bool(catalog311.attribute_questions(definition)), "type": definition.open311_type,
            "keywords": ", ".join(text.get("keywords", [])), "group": topic.name(where) if topic else ""}


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    check_jurisdiction()
    where = locale()
    return reply(fmt, "services", [_service(d, where) for d in offered_services()])


def definition_of(definition, where: str) -> dict:
    return {"service_code": definition.code, "attributes": catalog311.attributes(
        definition, where, yes_no=(_("Yes"), _("No")),
        datatype_words={k: str(v) for k, v in DATATYPE_WORDS.items()},
        asked_when=_("asked only after some answers: see the service's web form"))}


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    check_jurisdiction()
    return reply(fmt, "service_definition", definition_of(service(service_code), locale()))
