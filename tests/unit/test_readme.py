"""The README's configuration table names every setting the portal reads, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from portal.config import SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"
ROW_RE = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


def configuration_table() -> list[str]:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Configuration' section followed by another section"
    return ROW_RE.findall(match.group(1))


def test_readme_table_names_every_setting():
    documented = configuration_table()
    missing = [s.name for s in SETTINGS if s.name not in documented]
    assert not missing, f"README.md's configuration table lacks: {', '.join(missing)}"


def test_readme_table_names_no_unknown_setting():
    known = {s.name for s in SETTINGS}
    documented = configuration_table()
    unknown = [name for name in documented if name not in known]
    assert not unknown, f"README.md documents settings portal.config.SETTINGS does not have: {', '.join(unknown)}"
    assert len(documented) == len(set(documented)), "a setting appears twice in README.md's table"
