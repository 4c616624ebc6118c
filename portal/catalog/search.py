"""Finding a service by what a resident types, in their language. No JavaScript needed."""

from __future__ import annotations

import re
import unicodedata

from .definition import Catalog, ServiceDefinition

_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
MAX_QUERY = 100


def fold(text: str) -> str:
    """Lower case, without accents or Arabic diacritics, so "Basúra" finds "basura"."""
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", fold(text)) if w]


def _stem_match(word: str, candidate: str) -> bool:
    if candidate.startswith(word) or word.startswith(candidate):
        return min(len(word), len(candidate)) >= 3 or word == candidate
    return False


def search(catalog: Catalog, query: str, locale: str) -> list[ServiceDefinition]:
    """Services matching every word of the query, best first."""
    words = _words(query[:MAX_QUERY])
    if not words:
        return []
    scored = []
    for service in catalog.services.values():
        text = service.text(locale)
        topic = next((t for t in catalog.topics if t.code == service.topic), None)
        fields = [
            (4, _words(text["name"])),
            (2, _words(" ".join(text.get("keywords", [])))),
            (1, _words(text["description"])),
            (1, _words(topic.name(locale)) if topic else []),
        ]
        score = 0
        for word in words:
            best = max((weight for weight, found in fields if any(_stem_match(word, f) for f in found)), default=0)
            if best == 0:
                break
            score += best
        else:
            scored.append((-score, service.name(locale), service))
    return [service for *_key, service in sorted(scored, key=lambda item: item[:2])]
