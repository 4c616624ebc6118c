"""A complete set of answers for each service of the demo city's catalog (portal/catalog/services).

Each set is what a resident could have typed on every page on the service's route, stored the way
the question pages store it. File questions name the files to upload (``build.answer`` uploads
them); repeating groups list their items. Dates are counted from ``today``, so a set never holds a
date that has passed for an event or that lies ahead for something already seen.

``misfits`` checks a set against its service (nothing left to answer, no exit reached, no answer off
the route, only answers the question offers); a test runs it on every set. Change a set together
with its service's file.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..catalog import ServiceDefinition


def address(street: str, zip_code: str = "20500", city: str = "Riverton") -> dict[str, str]:
    """An address answer as the address page stores it."""
    return {"street": street, "city": city, "zip": zip_code, "latitude": "", "longitude": ""}


def member(name: str, relationship: str, born: str, monthly_income: str, source: str) -> dict[str, str]:
    """One item of a household list."""
    return {"member_name": name, "relationship": relationship, "date_of_birth": born,
            "monthly_income": monthly_income, "income_source": source}


def _applicant(name: str, phone: str, email: str, street: str) -> dict[str, Any]:
    return {"applicant_name": name, "applicant_phone": phone, "applicant_email": email,
            "applicant_address": address(street)}


def _eligible(size: int, income: str) -> dict[str, Any]:
    return {"lives_in_riverton": "yes", "household_size": str(size), "household_income": income,
            "may_be_eligible": "seen"}


def misfits(definition: ServiceDefinition, answers: dict[str, Any]) -> list[str]:
    """What keeps ``answers`` from being a complete, valid set for ``definition``: [] when nothing does."""
    found = []
    exit_page = definition.exit_reached(answers)
    if exit_page is not None:
        found.append(f"reaches the exit page {exit_page.code}")
    found += [f"{q.code} is unanswered" for q in definition.unanswered(answers)]
    kept = definition.kept_answers(answers)
    found += [f"{code} is not on the route" for code in answers if code not in kept]
    for question in definition.route(answers):
        value, keys = answers.get(question.code), question.value_keys()
        if keys and value not in (None, ""):
            chosen = value if isinstance(value, list) else [value]
            found += [f"{question.code}: {key!r} is not one of its answers" for key in chosen if key not in keys]
    return found


def sample(code: str, today: date) -> dict[str, Any]:
    """The answers for service ``code``; KeyError for a service the demo catalog does not have."""
    days = lambda n: (today + timedelta(days=n)).isoformat()
    samples: dict[str, dict[str, Any]] = {
        "abandoned-vehicle": {
            "location": address("410 Willow Avenue"), "vehicle_description": "Blue four-door sedan",
            "plate_visible": "yes", "plate_number": "KXT 4419", "first_seen": days(-12),
            "condition": ["flat_tires", "dirty"],
        },
        "damaged-sidewalk": {
            "location": address("77 Oak Street"), "problem": ["raised", "tree_roots"], "blocks_access": "yes",
            "first_noticed": "", "details": "A slab is lifted by a tree root; a wheelchair cannot get past.",
        },
        "graffiti": {
            "location": address("Bus stop at 5th Avenue and Pine Street"), "surface": ["bus_stop"],
            "property": "public", "offensive": "no", "details": "",
        },
        "illegal-dumping": {
            "hazardous": "no", "location": address("Alley behind 230 Elm Street"),
            "items": ["furniture", "bags"], "amount": "truckload", "saw_dumping": "no",
        },
        "missed-collection": {
            "collection_type": ["recycling"], "location": address("19 Birch Court"),
            "collection_day": days(-2), "bins_out": "yes", "details": "",
        },
        "noise": {
            "danger": "no", "location": address("88 River Road"), "source": "music_party", "happening_now": "no",
            "when_happened": f"{days(-1)}T23:30", "details": "Loud music every weekend until 3 in the morning.",
        },
        "pothole": {
            "location": address("12 Main Street"), "position": "traffic_lane", "size": "medium",
            "first_seen": "", "details": "Deep hole near the bus stop.",
        },
        "streetlight-out": {
            "problem": "out", "location": address("Corner of 3rd Avenue and Maple Street"),
            "pole_number": "", "how_many": "2", "details": "",
        },
        "tree-removal": {
            "emergency": "no", "location": address("25 Chestnut Lane"), "tree_land": "my_property",
            "tree_count": "1", "reason": "dead", "details": "A large oak, dead since last summer.",
            "photos": ["oak-tree.jpg"], "declaration": "confirmed",
        },
        "residential-alteration": {
            "site_address": address("63 Hawthorn Street"), "work_type": ["kitchen_bath"],
            "valuation": "18500.00", "licensed_contractor": "yes", "contractor_name": "Riverside Builders",
            "contractor_license": "RC-10442", "contractor_phone": "(202) 555-0148",
            "description": "New kitchen: move the sink to the outside wall and add two electrical circuits.",
            "plans": ["kitchen-plans.pdf"], "declaration": "confirmed",
        },
        "special-event": {
            "event_name": "Maple Street Block Party", "event_description": "A street party with food and music.",
            "event_start": f"{days(100)}T12:00", "event_end": f"{days(100)}T18:00", "attendance": "150",
            "event_location": address("Maple Street between 3rd and 5th Avenue"), "road_closure": "yes",
            "closure_streets": "Maple Street between 3rd and 5th Avenue", "closure_hours": "11:00 to 19:00",
            "detour_plan": ["detour-plan.pdf"], "alcohol": "no", "fees": "seen", "declaration": "confirmed",
        },
        "utility-bill-assistance": {
            **_eligible(3, "32000.00"), "pays_utility": "yes",
            **_applicant("Tom Becker", "(202) 555-0177", "tom@example.com", "9 Linden Street"),
            "household_members": [
                member("Tom Becker", "self", "1986-04-12", "2100.00", "job"),
                member("Mia Becker", "spouse_partner", "1988-09-30", "566.00", "self_employed"),
                member("Leo Becker", "child", "2017-02-03", "0.00", "none"),
            ],
            "utility_types": ["electric", "water"], "utility_account_number": "RVU-558812",
            "amount_owed": "640.00", "shutoff_notice": "no", "medical_need": "no",
            "proof_of_income": ["pay-stubs.pdf"], "proof_of_identity": ["id-card.pdf"],
            "utility_bill": ["electric-bill.pdf"], "declaration": "confirmed",
        },
        "rental-assistance": {
            **_eligible(2, "41000.00"), "rents_home": "yes",
            **_applicant("Jordan Lee", "(202) 555-0190", "", "140 Spruce Street, Apt 4"),
            "household_members": [
                member("Jordan Lee", "self", "1991-07-21", "3416.00", "job"),
                member("Sam Lee", "child", "2019-11-05", "0.00", "none"),
            ],
            "monthly_rent": "1450.00", "amount_behind": "2900.00", "hardship": "lost_income",
            "landlord_name": "Spruce Street Apartments", "landlord_phone": "(202) 555-0102",
            "landlord_email": "", "eviction_notice": "no", "proof_of_income": ["pay-stubs.pdf"],
            "proof_of_identity": ["id-card.pdf"], "lease": ["lease.pdf"], "declaration": "confirmed",
        },
        "senior-tax-relief": {
            **_eligible(2, "38000.00"), "aged_65_or_older": "yes", "owns_home": "yes",
            **_applicant("Ruth Adams", "(202) 555-0123", "", "31 Poplar Street"),
            "household_members": [
                member("Ruth Adams", "self", "1952-03-14", "1900.00", "social_security"),
                member("Walter Adams", "spouse_partner", "1949-12-01", "1266.00", "pension"),
            ],
            "parcel_number": "04-118-022", "ownership": "with_spouse", "other_property": "no",
            "had_relief_before": "yes", "proof_of_income": ["benefit-letters.pdf"],
            "proof_of_identity": ["id-card.pdf"], "property_tax_bill": ["tax-bill.pdf"],
            "declaration": "confirmed",
        },
    }
    return samples[code]
