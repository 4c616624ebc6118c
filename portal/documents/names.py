"""The name a file is shown and downloaded under: cleaned, never used as a path."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 120
# Characters that mean something to a file system or a shell on some platform.
_RESERVED = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")


def clean_name(filename: str | None, extension: str) -> str:
    """A safe display name for an uploaded file, ending in ``extension`` (e.g. ".pdf").

    Only the last part of a path is kept ("../../etc/passwd.pdf" becomes "passwd.pdf"); control
    and formatting characters (including right-to-left overrides that disguise an extension) are
    dropped; letters of every script are kept. The extension is the one of the stored content, so
    a PNG sent as "photo.jpg" downloads as "photo.png".
    """
    name = shown_name(filename)
    stem, dot, suffix = name.rpartition(".")
    if dot and "." + suffix.lower() in _EQUIVALENT.get(extension, {extension}):
        extension = "." + suffix  # keep the resident's own spelling: .JPG, .jpeg
        name = stem
    elif dot and 0 < len(suffix) <= 5 and suffix.isalnum() and not suffix.isdigit():
        name = stem  # a wrong or unknown extension is replaced
    name = name.strip(" .")[: MAX_NAME - len(extension)].rstrip(" .")
    return (name or "file") + extension


def shown_name(filename: str | None) -> str:
    """The name as sent, made safe to show (in a message about a refused file, say)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _RESERVED.sub("_", name)
    return _SPACES.sub(" ", name).strip(" .")[:MAX_NAME]


_EQUIVALENT = {
    ".jpg": {".jpg", ".jpeg"},
    ".png": {".png"},
    ".pdf": {".pdf"},
}
