"""A changed service definition checked against the published catalog (``portal.cases.previews``):
the loader's checks, its message split into file, field and problem, who may check one, and the
store that keeps a checked definition for the member who checked it only, for a while."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.actors import Actor
from portal.cases import policy, previews
from portal.catalog import CatalogError, load_catalog
from portal.config import SHIPPED_LOCALES

CATALOG_DIR = Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services"
CATALOG = load_catalog(CATALOG_DIR, SHIPPED_LOCALES)
POTHOLE = (CATALOG_DIR / "pothole.yaml").read_bytes()
DESIGNER = Actor("staff", "1", roles=frozenset({"service_designer"}))
OTHER_DESIGNER = Actor("staff", "2", roles=frozenset({"service_designer"}))
CASEWORKER = Actor("staff", "3", roles=frozenset({"caseworker"}), departments=frozenset({"public-works"}))


def check(content: bytes, name: str = "pothole.yaml", actor: Actor = DESIGNER):
    return previews.check(actor, CATALOG, SHIPPED_LOCALES, content, name)


def test_a_valid_definition_passes_and_is_the_same_as_the_published_one():
    assert check(POTHOLE).digest == CATALOG.service("pothole").digest


@pytest.mark.parametrize(("content", "name", "parts"), [
    (POTHOLE.replace(b"department: public-works", b"department: moon"), "pothole.yaml",
     ("pothole.yaml", "department", "'moon' is not a department in _catalog.yaml")),
    (POTHOLE + b"extra: 1\n", "pothole.yaml",
     ("pothole.yaml", "(top level)", "Additional properties are not allowed ('extra' was unexpected)")),
    (b"code: [", "C:\\Users\\me\\my: file.yaml", ("my__file.yaml", None, None)),
    (b"x: &x [1]\ny: *x\n", "pothole.yaml", ("pothole.yaml", None, "not valid YAML: anchors and aliases (*name) are not allowed here")),
])
def test_the_loader_message_is_split_into_file_field_and_problem(content, name, parts):
    with pytest.raises(CatalogError) as raised:
        check(content, name)
    file, field, problem = raised.value.parts()
    assert (file, field) == parts[:2]
    if parts[2]:
        assert problem == parts[2]


def test_only_a_service_designer_may_check():
    with pytest.raises(policy.Refused):
        check(POTHOLE, actor=CASEWORKER)
    assert previews.may_check(DESIGNER) and not previews.may_check(CASEWORKER)


def test_too_large_and_empty_files_are_refused_unread():
    with pytest.raises(previews.CheckRefused) as raised:
        check(b"#" * (previews.MAX_BYTES + 1))
    assert raised.value.reason == "too_large"
    with pytest.raises(previews.CheckRefused) as raised:
        check(b"  \n")
    assert raised.value.reason == "empty"


def test_a_checked_definition_is_kept_for_its_designer_only_and_for_a_while(tmp_path):
    store = previews.CheckedStore(tmp_path / "checks")
    changed = check(POTHOLE.replace(b"name: Pothole", b"name: Road hole"))
    kept = store.keep(DESIGNER, CATALOG, changed, now=1000.0)
    assert not kept.new
    found = store.get(DESIGNER, CATALOG, kept.key, now=1001.0)
    assert found is not None and found.definition.name("en") == "Road hole"
    assert store.get(OTHER_DESIGNER, CATALOG, kept.key, now=1001.0) is None
    assert store.get(DESIGNER, CATALOG, kept.key, now=1000.0 + previews.KEEP_SECONDS + 1) is None
    assert store.get(DESIGNER, CATALOG, "../../etc/passwd", now=1001.0) is None
    with pytest.raises(policy.Refused):
        store.get(CASEWORKER, CATALOG, kept.key)
    assert CATALOG.service("pothole").name("en") == "Pothole"


def test_a_new_service_is_marked_new(tmp_path):
    new = check(POTHOLE.replace(b"code: pothole\n", b"code: sinkhole\n", 1), "sinkhole.yaml")
    assert previews.CheckedStore(tmp_path).keep(DESIGNER, CATALOG, new).new


def test_a_pointed_file_must_be_a_yaml_file_inside_the_folder(tmp_path):
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "pothole.yaml").write_bytes(POTHOLE)
    (tmp_path / "outside.yaml").write_bytes(POTHOLE)
    assert previews.read_pointed(DESIGNER, str(tmp_path / "inside"), "pothole.yaml") == (POTHOLE, "pothole.yaml")
    for name in ("../outside.yaml", str(tmp_path / "outside.yaml"), "nothing.yaml", "", "a\x00.yaml"):
        with pytest.raises(previews.CheckRefused):
            previews.read_pointed(DESIGNER, str(tmp_path / "inside"), name)
    with pytest.raises(previews.CheckRefused):
        previews.read_pointed(DESIGNER, None, "pothole.yaml")
