"""What a refused upload is told, in the caller's language, and the HTTP status each refusal takes:
one wording for every door that takes files (the question pages, follow-ups, the case API, Open311)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from .. import documents
from ..documents import errors as reasons

# One status per reason: 413 for size, 415 for a type we do not take, 422 for a file we took in
# but will not keep (a virus, a broken image, or no scanner to check it), 503 when too busy to
# look at it now, 400 for the rest.
STATUS = {
    reasons.TOO_LARGE: 413, reasons.CASE_TOO_LARGE: 413, reasons.IMAGE_TOO_LARGE: 413,
    reasons.WRONG_TYPE: 415, reasons.HEIC_UNSUPPORTED: 415,
    reasons.INFECTED: 422, reasons.UNREADABLE: 422, reasons.SCAN_UNAVAILABLE: 422,
    reasons.EMPTY: 400, reasons.TOO_MANY: 400, reasons.BUSY: 503,
}


def types_in_words() -> str:
    if documents.HEIF_SUPPORTED:
        return _("a PDF, a JPG or PNG image, or a HEIC photo from an iPhone")
    return _("a PDF, or a JPG or PNG image")


def refusal_message(refused: documents.DocumentRefused, name: str) -> str:
    """What went wrong with one file, and what to do, in the GOV.UK error message style."""
    p = refused.params
    match refused.reason:
        case reasons.EMPTY:
            return _("%(name)s is empty. Choose a file that has something in it", name=name)
        case reasons.TOO_LARGE:
            return _("%(name)s must be smaller than %(size)s MB", name=name, size=p["limit_mb"])
        case reasons.CASE_TOO_LARGE:
            return _("%(name)s was not added: all your files together must be smaller than %(size)s MB. "
                     "Remove a file or choose a smaller one", name=name, size=p["limit_mb"])
        case reasons.IMAGE_TOO_LARGE:
            return _("%(name)s is too big an image: we take images of up to %(megapixels)d megapixels. Save "
                     "a smaller copy, or take the photo at your phone's usual size, and try again",
                     name=name, megapixels=p["megapixels"])
        case reasons.TOO_MANY:
            return ngettext("%(name)s was not added: you can add %(num)d file here. Remove it to add another",
                            "%(name)s was not added: you can add up to %(num)d files here. Remove one to add another",
                            p["max_files"], name=name)
        case reasons.WRONG_TYPE:
            return _("%(name)s must be %(types)s", name=name, types=types_in_words())
        case reasons.HEIC_UNSUPPORTED:
            return _("%(name)s is a HEIC photo, which we cannot take. Save it as a JPG and try again", name=name)
        case reasons.UNREADABLE:
            return _("%(name)s could not be opened. It may be damaged. Choose another file", name=name)
        case reasons.INFECTED:
            return _("%(name)s contains a virus. Choose another file", name=name)
        case reasons.SCAN_UNAVAILABLE | reasons.BUSY:
            pass
    return _("We could not check your file %(name)s, try again later", name=name)
