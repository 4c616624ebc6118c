"""Where printed letters and call sheets are written: MAILROOM_DIR/<folder>/<yyyy-mm-dd>/<id><suffix>."""

from __future__ import annotations

from pathlib import Path

# channel: (folder, suffix)
LAYOUT = {"letter": ("letters", ".html"), "call": ("calls", ".txt")}


def files_for(mailroom: str | Path, channel: str, message_id: int) -> list[Path]:
    """The letter or call sheet written for a message, whatever day it was written."""
    if channel not in LAYOUT:
        return []
    folder, suffix = LAYOUT[channel]
    return sorted(Path(mailroom).glob(f"{folder}/*/{message_id}{suffix}"))
