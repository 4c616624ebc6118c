from pathlib import Path

import pytest

from portal.catalog import load_catalog
from portal.catalog.search import fold, search
from portal.config import SHIPPED_LOCALES

SERVICES = Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SERVICES, SHIPPED_LOCALES)


def codes(results):
    return [s.code for s in results]


def test_search_finds_services_by_name_and_keywords(catalog):
    assert codes(search(catalog, "pothole", "en"))[0] == "pothole"
    assert "noise" in codes(search(catalog, "NOISE", "en"))
    assert search(catalog, "zzzzqqq", "en") == []
    assert search(catalog, "   ", "en") == []


def test_search_ignores_accents_and_arabic_marks(catalog):
    name_es = catalog.service("pothole").name("es")
    assert "pothole" in codes(search(catalog, name_es.upper(), "es"))
    name_ar = catalog.service("noise").name("ar")
    assert "noise" in codes(search(catalog, name_ar, "ar"))
    assert fold("Basúra") == "basura"
    assert fold("إِسْمٌ") == fold("اسم")
