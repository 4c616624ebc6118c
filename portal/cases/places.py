"""The place a case is about, as a key that matches the same address however it was typed, so staff
see other open cases at the same place (possible duplicates)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Common street words, written the one way the key uses.
_SHORT = {
    "street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "court": "ct", "place": "pl", "terrace": "ter", "highway": "hwy", "parkway": "pkwy", "square": "sq",
    "north": "n", "south": "s", "east": "e", "west": "w", "calle": "c", "avenida": "av",
}
KEY_LENGTH = 200


def key_of_value(value: Any) -> str | None:
    """The key of one address answer ({"street", "city", "zip", …}): the street's words, lower case,
    without accents or punctuation, common words shortened, then the first five digits of the ZIP
    code (or the city when there is none). None when there is no street."""
    if not isinstance(value, dict) or not str(value.get("street") or "").strip():
        return None
    street = unicodedata.normalize("NFKD", str(value["street"])).encode("ascii", "ignore").decode().lower()
    words = [_SHORT.get(word, word) for word in re.findall(r"[a-z0-9]+", street)]
    if not words:
        return None
    zip_code = re.sub(r"\D", "", str(value.get("zip") or ""))[:5]
    place = zip_code or "-".join(re.findall(r"[a-z0-9]+", str(value.get("city") or "").lower()))
    return f"{' '.join(words)}|{place}"[:KEY_LENGTH]


def address_key(definition, answers: dict[str, Any]) -> str | None:
    """The key of the first address question answered on the case's route, or None."""
    for question in definition.route(answers):
        if question.datatype == "address":
            key = key_of_value(answers.get(question.code))
            if key:
                return key
    return None
