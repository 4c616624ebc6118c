"""The README's configuration table names every setting the portal reads, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from portal.cases import workflow as workflow_module
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


# --- the case statuses and the moves between them ---------------------------------------------

CODE_RE = re.compile(r"`([a-z_]+)`")


def workflow() -> tuple[tuple[str, ...], dict[str, dict[str, set[str]]]]:
    """Every status, and per kind of service the statuses each one may move to next, as the
    workflow (``portal.cases.workflow``) declares them."""
    return workflow_module.STATUSES, {kind: flow.moves() for kind, flow in workflow_module.WORKFLOWS.items()}


def status_table() -> tuple[list[str], dict[str, list[str]]]:
    """The README's table of statuses: the kinds its columns name, and each row's cells by status."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Case statuses and the moves between them\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Case statuses and the moves between them' section"
    lines = [line for line in match.group(1).splitlines() if line.startswith("|")]
    assert len(lines) > 2, "the section has no table"
    split = lambda line: [cell.strip() for cell in line.strip().strip("|").split("|")]
    kinds = [(CODE_RE.findall(cell) or [""])[0] for cell in split(lines[0])[2:]]
    rows = {}
    for line in lines[2:]:
        cells = split(line)
        [status] = CODE_RE.findall(cells[0])
        assert status not in rows, f"{status} has two rows"
        rows[status] = cells[2:]
    return kinds, rows


def test_readme_status_table_has_a_row_per_status_and_a_column_per_kind():
    statuses, moves = workflow()
    kinds, rows = status_table()
    assert sorted(kinds) == sorted(moves), "one column per kind of service"
    assert list(rows) == list(statuses), "one row per status, in the order they are declared"


def test_readme_status_table_lists_exactly_the_moves_allowed():
    _statuses, moves = workflow()
    kinds, rows = status_table()
    wrong = []
    for status, cells in rows.items():
        for kind, cell in zip(kinds, cells, strict=True):
            shown, allowed = set(CODE_RE.findall(cell)), moves[kind].get(status)
            if allowed is None and cell != "not used":
                wrong.append(f"{kind} never has {status}, so its cell must say 'not used', not {cell!r}")
            elif allowed is not None and shown != allowed:
                wrong.append(f"{kind} from {status}: README says {sorted(shown)}, the workflow {sorted(allowed)}")
            elif allowed == set() and "final" not in cell:
                wrong.append(f"{kind}: {status} is final and its cell must say so")
    assert not wrong, "\n".join(wrong)
