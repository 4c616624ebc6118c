"""Expected dates from a service level given in working days."""

from __future__ import annotations

from datetime import date, timedelta


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``start``."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
