"""The demo's sample answers fit the demo catalog: a service changed without its answers fails here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.catalog import load_catalog
from portal.config import SHIPPED_LOCALES
from portal.demo import STORIES
from portal.demo.answers import misfits, sample

SERVICES = Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services"
CATALOG = load_catalog(SERVICES, SHIPPED_LOCALES)
TODAY = date(2026, 3, 2)


@pytest.mark.parametrize("code", sorted(CATALOG.services))
def test_each_service_has_a_complete_set_of_answers(code):
    assert misfits(CATALOG.service(code), sample(code, TODAY)) == []


def test_each_story_changes_only_answers_its_service_asks():
    for story in STORIES:
        definition = CATALOG.service(story.service)
        answers = {**sample(story.service, TODAY), **story.answers}
        assert misfits(definition, answers) == [], story.service
        assert set(story.answers) <= set(definition.kept_answers(answers)), story.service


def test_a_service_not_in_the_demo_catalog_has_no_sample():
    with pytest.raises(KeyError):
        sample("shed-permit", TODAY)
