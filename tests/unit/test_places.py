"""The address key: the same place however it was typed, different places apart."""

from __future__ import annotations

from portal.cases.places import key_of_value
from portal.demo.answers import address


def test_the_same_address_typed_differently_has_one_key():
    keys = {key_of_value(address(street)) for street in
            ("12 Main Street", "12 main st.", "  12  MAIN  Street ", "12 Main St", "12 Maín Street")}
    assert keys == {"12 main st|20500"}


def test_different_places_have_different_keys():
    assert key_of_value(address("12 Main Street")) != key_of_value(address("14 Main Street"))
    assert key_of_value(address("12 Main Street")) != key_of_value(address("12 Main Street", zip_code="20501"))
    assert key_of_value(address("12 Main Street", zip_code="20500-1234")) == "12 main st|20500"


def test_no_street_no_key():
    assert key_of_value(address("")) is None
    assert key_of_value(address("...")) is None
    assert key_of_value(None) is None and key_of_value("12 Main Street") is None


def test_a_city_stands_in_for_a_missing_zip_code():
    assert key_of_value({"street": "5 Elm Road", "city": "Riverton Heights", "zip": ""}) == "5 elm rd|riverton-heights"
