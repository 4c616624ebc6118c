"""The demo city's residents and the requests they made, each with what has happened to it since.

Complaints, permits and benefits, in English, Spanish and Arabic, in every status a case can have.
Notes to the resident are in their language; internal notes are the staff's, in English. Three
residents have accounts (known passwords, printed by the command); the others are guests, who
track a request with its reference and the email address or phone number they gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cases import workflow
from .answers import address, member
from .build import Answer, NotFixed, Rate, Staff, Step, Withdraw


@dataclass(frozen=True)
class Resident:
    name: str
    locale: str
    # How they want to hear from us, as the contact page stores it.
    contact: dict[str, Any]
    # An account with this password; a guest when None.
    password: str | None = None

    @property
    def email(self) -> str | None:
        return self.contact.get("email")

    @property
    def phone(self) -> str | None:
        return self.contact.get("phone")


@dataclass(frozen=True)
class Story:
    service: str
    resident: Resident
    steps: tuple[Step, ...] = ()
    # Answers that differ from the service's sample answers (portal/demo/answers.py).
    answers: dict[str, Any] = field(default_factory=dict)
    # Sent this many days before the demo is made (its due dates count from then): the staff queue's
    # overdue cases.
    days_ago: int = 0


# --- residents -------------------------------------------------------------------------------------

GRACE = Resident("Grace Miller", "en", {"preferred_channel": "email", "email": "grace@example.com"},
                 password="maple lantern river 42")
LUCIA = Resident("Lucía Fernández", "es", {"preferred_channel": "text", "email": "lucia@example.com",
                                           "phone": "+12025550164"},
                 password="orange kite harbor 17")
OMAR = Resident("Omar Haddad", "ar", {
    "preferred_channel": "post", "email": "omar@example.com", "large_print": True,
    "postal": {"line1": "48 Cedar Lane", "line2": "", "city": "Riverton", "state": "VA", "zip": "20501"},
}, password="cedar window falcon 63")
TOM = Resident("Tom Becker", "en", {"preferred_channel": "email", "email": "tom@example.com"})
DANIEL = Resident("Daniel Brooks", "en", {"preferred_channel": "phone", "phone": "+12025550131"})
SOFIA = Resident("Sofía Ramírez", "es", {"preferred_channel": "email", "email": "sofia@example.com"})
LAYLA = Resident("ليلى ناصر", "ar", {"preferred_channel": "email", "email": "layla@example.com"})
# Guests whose public works reports wait in the staff queue.
MINA = Resident("Mina Park", "en", {"preferred_channel": "email", "email": "mina@example.com"})
RUTH = Resident("Ruth Alder", "en", {"preferred_channel": "email", "email": "ruth@example.com"})
JORGE = Resident("Jorge Medina", "es", {"preferred_channel": "text", "phone": "+12025550178"})
SAMIR = Resident("سمير عزيز", "ar", {"preferred_channel": "email", "email": "samir@example.com"})

RESIDENTS = (GRACE, LUCIA, OMAR, TOM, DANIEL, SOFIA, LAYLA, MINA, RUTH, JORGE, SAMIR)


def _pothole(street: str, details: str, **answers: Any) -> dict[str, Any]:
    return {"location": address(street), "details": details, **answers}

# --- what they asked for, and what happened ----------------------------------------------------------

STORIES: tuple[Story, ...] = (
    # English
    Story("pothole", GRACE, (
        Staff(workflow.IN_REVIEW, internal="Crew 3 to inspect on the morning round."),
        Staff(workflow.SCHEDULED, public="A road crew will fill the pothole this Thursday, weather permitting.",
              internal="Hot mix ordered. Cone the lane from 7 am."),
        Staff(workflow.RESOLVED, public="We filled the pothole with hot asphalt. Thank you for telling us.",
              internal="Patched about 1.2 m by 0.8 m, 10 cm deep."),
        Rate(5, "Fixed within a week. Thank you!"),
    )),
    Story("tree-removal", GRACE, (
        Staff(workflow.IN_REVIEW, internal="Forestry inspector assigned."),
        Staff(workflow.MORE_INFO, public="Please send a photo that shows the whole tree and how close it is "
                                       "to your house.",
              internal="The photo sent shows only the trunk."),
        Answer("Here is a photo from the street. The tree is about 6 metres from the house.",
               files=("whole-tree.jpg",)),
        Staff(workflow.APPROVED, public="Your permit is approved: permit TR-0148. Remove the tree within 90 "
                                      "days and cut the stump to 15 cm or lower.",
              internal="Dead oak confirmed on site. No replanting required."),
        Staff(workflow.CLOSED, public="We have closed this application. Keep the permit until the tree is removed."),
    )),
    Story("damaged-sidewalk", TOM, (
        Staff(workflow.IN_REVIEW),
        Staff(workflow.MORE_INFO, public="Is the raised slab on the north or the south side of Oak Street? "
                                       "A photo would help too.",
              internal="Two addresses on Oak Street match. The inspector needs the side."),
    )),
    Story("utility-bill-assistance", TOM, (
        Staff(workflow.IN_REVIEW, internal="Income checked against the pay stubs: it matches."),
        Staff(workflow.APPROVED, public="You will get a one-time credit of $640 on your next electric bill. "
                                      "You do not need to do anything.",
              internal="Credit sent to Riverton Utilities in this week's batch."),
    )),
    Story("graffiti", DANIEL, (
        Staff(workflow.CLOSED, public="Someone else reported this graffiti already, and our crew removed it "
                                    "on Monday.",
              internal="Duplicate of an earlier report at the same bus stop."),
    )),
    # Spanish
    Story("streetlight-out", SOFIA, (
        Staff(workflow.IN_REVIEW),
        Staff(workflow.MORE_INFO, public="¿Puede decirnos el número que aparece en el poste? Está en una placa "
                                       "de metal, a la altura de los ojos.",
              internal="Two poles at this corner; we do not know which one."),
        Answer("El número es SL-20417. Es el poste que está frente a la farmacia."),
        Staff(workflow.SCHEDULED, public="Un equipo de electricistas cambiará la lámpara el martes por la noche.",
              internal="Work order sent to the street lighting crew, east route."),
    ), answers={"details": "Está muy oscuro y muchos niños cruzan aquí para ir a la escuela."}),
    Story("special-event", SOFIA, (
        Staff(workflow.IN_REVIEW, internal="Shared with police and fire."),
        Staff(workflow.MORE_INFO, public="Envíenos el certificado de seguro del evento, con una cobertura de al "
                                       "menos 1 millón de dólares.",
              internal="Road closure: insurance is required."),
        Answer("Les envío el certificado de seguro de la asociación de vecinos.",
               files=("certificado-de-seguro.pdf",)),
        Staff(workflow.APPROVED, public="Su permiso está aprobado. La policía cerrará la calle Maple de 11:00 a "
                                      "19:00. La tarifa es de $200; le enviaremos la factura.",
              internal="Two officers assigned to the closure."),
    ), answers={"event_name": "Fiesta de la calle Maple",
                "event_description": "Una fiesta del barrio con comida, música y juegos para niños."}),
    Story("missed-collection", LUCIA, (
        Staff(workflow.IN_REVIEW),
        Withdraw("El camión pasó esta mañana y ya se llevó el reciclaje. Gracias."),
    ), answers={"details": "El camión de reciclaje no pasó por nuestra calle."}),
    Story("rental-assistance", LUCIA, (
        Staff(workflow.IN_REVIEW, internal="Assigned to a caseworker."),
        Staff(workflow.MORE_INFO, public="Necesitamos una carta de su empleador que diga cuántas horas trabaja "
                                       "ahora y desde cuándo.",
              internal="The pay stubs show fewer hours. We need the employer's letter."),
        Answer("Les envío la carta de mi empleador. Trabajo 20 horas por semana desde marzo.",
               files=("carta-del-empleador.pdf",)),
    ), answers={"applicant_name": "Lucía Fernández", "applicant_phone": "(202) 555-0164",
                "applicant_email": "lucia@example.com",
                "household_members": [member("Lucía Fernández", "self", "1990-05-08", "3416.00", "job"),
                                      member("Mateo Fernández", "child", "2016-10-19", "0.00", "none")]}),
    # Arabic
    Story("noise", LAYLA, (
        Staff(workflow.IN_REVIEW),
        Staff(workflow.RESOLVED, public="زار أحد المفتشين العنوان ونبّه صاحبه إلى قواعد الضوضاء في المدينة.",
              internal="Verbal warning given to the tenant."),
        NotFixed("ما زالت الموسيقى الصاخبة مستمرة حتى منتصف الليل في عطلة نهاية الأسبوع الماضية."),
    ), answers={"details": "موسيقى صاخبة كل نهاية أسبوع حتى الساعة الثالثة صباحًا."}),
    Story("residential-alteration", OMAR, (
        Staff(workflow.IN_REVIEW, internal="Plan review: structural and electrical."),
        Staff(workflow.DENIED, public="لم نوافق على الطلب لأن المخططات لا تبيّن الجدار الحامل الذي سيُفتح. "
                                    "يمكنك تقديم طلب جديد مع مخططات يوقّعها مهندس إنشائي.",
              internal="Load-bearing wall opening without an engineer's stamp."),
    ), answers={"description": "مطبخ جديد: نقل الحوض إلى الجدار الخارجي وإضافة دائرتين كهربائيتين."}),
    Story("abandoned-vehicle", OMAR, answers={"vehicle_description": "سيارة زرقاء بأربعة أبواب"}),
    Story("senior-tax-relief", LAYLA, (
        Staff(workflow.IN_REVIEW),
        Staff(workflow.MORE_INFO, public="نحتاج إلى نسخة من فاتورة ضريبة العقار لهذا العام، فالنسخة المرفقة تخص "
                                       "العام الماضي.",
              internal="The tax bill sent is last year's."),
    ), answers={"applicant_name": "ليلى ناصر", "applicant_email": "layla@example.com",
                "household_members": [member("ليلى ناصر", "self", "1954-01-22", "1900.00", "social_security"),
                                      member("سمير ناصر", "spouse_partner", "1950-08-09", "1266.00", "pension")]}),
    # The public works queue. Sent today, the most urgent: a large pothole in a traffic lane (the
    # "hazard" priority rule), for the demo caseworker's "Take the next case".
    Story("pothole", MINA, answers=_pothole("Bridge Road at the river", "Cars swerve into the next lane to miss it.",
                                            size="large", position="traffic_lane")),
    # Sent two to four weeks ago and never answered: overdue, for the demo supervisor's bulk changes.
    Story("pothole", RUTH, answers=_pothole("40 Elm Street", "Two holes next to each other.", size="small",
                                            position="parking"), days_ago=20),
    Story("damaged-sidewalk", RUTH, days_ago=18, answers={"location": address("40 Elm Street"),
                                                          "blocks_access": "no", "problem": ["cracked"]}),
    Story("pothole", JORGE, answers=_pothole("9 Lake Avenue", "Un hoyo en la orilla de la calle.", size="medium",
                                             position="alley"), days_ago=16),
    Story("pothole", DANIEL, answers=_pothole("300 Mill Road", "By the school driveway.", size="small",
                                              position="parking"), days_ago=14),
    Story("pothole", SAMIR, answers=_pothole("5 Hill Street", "حفرة صغيرة أمام المخبز.", size="small",
                                             position="parking"), days_ago=12),
    Story("damaged-sidewalk", SAMIR, days_ago=11, answers={"location": address("5 Hill Street"),
                                                           "blocks_access": "no", "problem": ["cracked"]}),
)
