"""Documents and photos residents upload: checked, cleaned, scanned and stored (no Flask in here).

    document = documents.add(session, draft, "plans", "site plan.pdf", stream)  # or DocumentRefused
    documents.remove(session, document)
    data = documents.read(document)

Files live under ``UPLOAD_DIR`` (outside the web root) under random names; the name the resident
gave is cleaned and only ever shown. The type comes from the content, images are re-encoded
without their metadata, and a configured ClamAV daemon scans every file first.
"""

from .content import HEIF_SUPPORTED, accepted_types
from .errors import REASONS, DocumentRefused, ScannerUnavailable
from .names import clean_name, shown_name
from .scanner import Scanner, ScanResult
from .service import (
    MB,
    Config,
    add,
    answer_for,
    attach_to_case,
    configure,
    current_config,
    discard_draft,
    find,
    for_owner,
    open_file,
    read,
    remove,
)

__all__ = [
    "HEIF_SUPPORTED", "MB", "REASONS", "Config", "DocumentRefused", "ScanResult", "Scanner",
    "ScannerUnavailable", "accepted_types", "add", "answer_for", "attach_to_case", "clean_name",
    "configure", "current_config", "discard_draft", "find", "for_owner", "open_file", "read", "remove",
    "shown_name",
]
