"""Filters every form applies to what was typed."""

from __future__ import annotations

from typing import Any


def strip_text(value: Any) -> Any:
    """Text without the spaces around it; anything else as it came."""
    return value.strip() if isinstance(value, str) else value
