"""Folders shipped beside the code: templates, static files, translations and migrations."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def resource(name: str) -> Path:
    """A folder shipped beside the code: inside the package when installed, at the top of a checkout."""
    for base in (PACKAGE, PACKAGE.parent):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"cannot find the {name!r} folder next to {PACKAGE}")
