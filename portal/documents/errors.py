"""Why a file was refused: one reason code per refusal; the web layer words the message."""

from __future__ import annotations

from typing import Any

# Reason codes, with what each means.
EMPTY = "empty"  # the file has no bytes
TOO_LARGE = "too_large"  # larger than the per-file limit (params: limit_mb)
CASE_TOO_LARGE = "case_too_large"  # the files of the draft or case would pass their limit (params: limit_mb)
IMAGE_TOO_LARGE = "image_too_large"  # an image with more pixels than we open (params: megapixels)
TOO_MANY = "too_many"  # the question already has its most files (params: max_files)
WRONG_TYPE = "wrong_type"  # the content is not a type we take, whatever the name says
HEIC_UNSUPPORTED = "heic_unsupported"  # a HEIC/HEIF photo, and this install cannot convert it
UNREADABLE = "unreadable"  # an image that says it is one but cannot be decoded
INFECTED = "infected"  # the virus scanner found something (params: signature)
SCAN_UNAVAILABLE = "scan_unavailable"  # a scanner is configured but did not answer: fail closed
BUSY = "busy"  # too many images were being decoded at once to take this one now

REASONS = (EMPTY, TOO_LARGE, CASE_TOO_LARGE, IMAGE_TOO_LARGE, TOO_MANY, WRONG_TYPE,
           HEIC_UNSUPPORTED, UNREADABLE, INFECTED, SCAN_UNAVAILABLE, BUSY)


class DocumentRefused(ValueError):
    """The file was not added. ``reason`` is one of REASONS; ``params`` fill in the message."""

    def __init__(self, reason: str, **params: Any):
        assert reason in REASONS, reason
        super().__init__(reason)
        self.reason = reason
        self.params = params


class ScannerUnavailable(RuntimeError):
    """The virus scanner could not be reached, or did not give a clear answer."""
