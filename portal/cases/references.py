"""Case references: short, readable, unguessable, with a check character.

The alphabet leaves out characters that are easy to confuse (0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G). Eight
random characters from the ``secrets`` generator give about 36 bits, so the next reference cannot be
derived from the last; a ninth character catches most typing mistakes before any database look-up.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
_RANDOM_LENGTH = 8
_PATTERN = re.compile(f"^[{ALPHABET}]{{9}}$")


def _check_character(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_LENGTH))
    return format_reference(body + _check_character(body))


def format_reference(compact: str) -> str:
    return f"{compact[0:3]}-{compact[3:6]}-{compact[6:9]}"


def normalise(typed: str) -> str | None:
    """The reference in its printed form, or None when what was typed cannot be one."""
    compact = re.sub(r"[\s\-–—_.]", "", typed or "").upper()
    if not _PATTERN.match(compact):
        return None
    if _check_character(compact[:-1]) != compact[-1]:
        return None
    return format_reference(compact)
