"""A stored document sent as a download, the same way to a resident, a member of staff and an API
client: nothing caches it, and opened in a browser after all it can run and load nothing."""

from __future__ import annotations

import re
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, send_file


def send(stream: BinaryIO, content_type: str, name: str) -> Response:
    response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=name,
                         conditional=False, etag=False, max_age=None)
    response.headers["Content-Disposition"] = attachment(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment(name: str) -> str:
    """Content-Disposition with the UTF-8 name, and a plain-ASCII one for old browsers that is never
    empty (an Arabic or Spanish name must not become " .pdf")."""
    stem, dot, suffix = name.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9 ._()-]", "", ascii_stem).strip(" .") or "document"
    return f"attachment; filename=\"{ascii_stem}{dot}{suffix}\"; filename*=UTF-8''{quote(name, safe='')}"
