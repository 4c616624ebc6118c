"""The demo city's response templates, made by ``seed-demo`` (development only) through the same
domain function administrators use, so they are checked like any other."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..cases import templates
from ..cases.templates import Fields
from ..catalog import Catalog
from ..models import ResponseTemplate

TEMPLATES = (
    Fields("public-works", "pothole", "request_information", "Which lane", {
        "en": "Which lane is the pothole in? Please tell us which way traffic goes there ({reference}).",
        "es": "¿En qué carril está el bache? Díganos en qué sentido va el tráfico allí ({reference}).",
        "ar": "في أي حارة توجد الحفرة؟ أخبرنا باتجاه حركة المرور هناك ({reference}).",
    }),
    Fields("public-works", None, "request_information", "A photo, please", {
        "en": "Dear {resident_name}, could you send us a photo of the problem? We will look at it by {respond_by}.",
        "es": "Estimado/a {resident_name}, ¿podría enviarnos una foto del problema? Lo revisaremos antes del {respond_by}.",
        "ar": "عزيزي/عزيزتي {resident_name}، هل يمكنك إرسال صورة للمشكلة؟ سننظر فيها قبل {respond_by}.",
    }),
    Fields("public-works", "pothole", "schedule", "Crew booked", {
        "en": "A crew from {department} is booked to repair the pothole by {resolve_by}.",
        "es": "Un equipo de {department} está programado para reparar el bache antes del {resolve_by}.",
        "ar": "تم حجز فريق من {department} لإصلاح الحفرة قبل {resolve_by}.",
    }),
    Fields("public-works", "pothole", "resolve", "Pothole filled", {
        "en": "We filled the pothole you reported ({reference}). Thank you for telling us.",
        "es": "Rellenamos el bache que nos informó ({reference}). Gracias por avisarnos.",
        "ar": "لقد ملأنا الحفرة التي أبلغت عنها ({reference}). شكرًا لإبلاغنا.",
    }),
)


def seed(session: Session, catalog: Catalog, actor: Actor, locales: Iterable[str]) -> int:
    """Make the demo templates that are not there yet. Returns how many were made."""
    services = {code: s.department for code, s in catalog.services.items()}
    made = 0
    for fields in TEMPLATES:
        there = session.scalar(select(ResponseTemplate.id).filter_by(
            department=fields.department, service_code=fields.service_code, action=fields.action, name=fields.name))
        if there is None:
            templates.save(session, actor, fields, locales=locales, services=services)
            made += 1
    return made
