"""What a file is, decided from its bytes; images re-encoded with nothing but their pixels.

PDF, JPEG and PNG are taken. HEIC and HEIF photos (what iPhones take) are turned into JPEG when
pillow-heif is installed. Everything else is refused, whatever its name says. Images are decoded
and saved again: EXIF (with the GPS position and the camera's serial number), XMP, comments and
text chunks are left behind; the photo is first turned the way the camera held it, since the
orientation lived in the EXIF. PDFs are kept byte for byte.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import (
    HEIC_UNSUPPORTED,
    IMAGE_TOO_LARGE,
    UNREADABLE,
    WRONG_TYPE,
    DocumentRefused,
)

try:  # pragma: no branch - pillow-heif is a dependency; an install without it refuses HEIC
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover
    HEIF_SUPPORTED = False

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIF = "image/heif"  # taken in, never stored: converted to JPEG

EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
# The largest image we decode. A 48-megapixel phone photo fits; a decompression bomb does not.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90
# ISO base media brands of HEIF still images (HEIC is HEIF with HEVC pictures).
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


@dataclass(frozen=True)
class Prepared:
    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSION[self.content_type]


def sniff(data: bytes) -> str | None:
    """The type of the content from its first bytes, or None for one we do not take."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return HEIF
    return None


def accepted_types() -> tuple[str, ...]:
    return (PDF, JPEG, PNG, HEIF) if HEIF_SUPPORTED else (PDF, JPEG, PNG)


def prepare(data: bytes) -> Prepared:
    """The bytes to store for an upload, and their type; raises DocumentRefused."""
    kind = sniff(data)
    if kind is None:
        raise DocumentRefused(WRONG_TYPE)
    if kind == PDF:
        return Prepared(data, PDF)
    if kind == HEIF and not HEIF_SUPPORTED:  # pragma: no cover - pillow-heif is installed
        raise DocumentRefused(HEIC_UNSUPPORTED)
    return _reencode(data, kind)


_PIL_FORMAT = {JPEG: "JPEG", PNG: "PNG", HEIF: "HEIF"}
# Modes a PNG keeps as they are; others become RGB(A).
_PNG_MODES = {"1", "L", "LA", "RGB", "RGBA", "I;16", "I"}


def _reencode(data: bytes, kind: str) -> Prepared:
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DocumentRefused(IMAGE_TOO_LARGE, megapixels=MAX_PIXELS // 1_000_000)
            image.load()
            icc_profile = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)
    except DocumentRefused:
        raise
    except Image.DecompressionBombError:
        raise DocumentRefused(IMAGE_TOO_LARGE, megapixels=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise DocumentRefused(UNREADABLE) from None
    out_type = PNG if kind == PNG else JPEG
    if out_type == JPEG:
        pixels = _bare(upright, "RGB" if upright.mode not in ("L", "RGB") else upright.mode)
        params = {"quality": JPEG_QUALITY}
    else:
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        mode = upright.mode if upright.mode in _PNG_MODES else ("RGBA" if has_alpha else "RGB")
        pixels = _bare(upright, mode)
        params = {}
    if icc_profile:
        # Kept so colours look right (phones take wide-gamut photos); it describes colours, not people.
        params["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    pixels.save(buffer, _PIL_FORMAT[out_type], **params)
    return Prepared(buffer.getvalue(), out_type)


def _bare(image: Image.Image, mode: str) -> Image.Image:
    """A new image holding only the pixels: no info, no EXIF, no XMP, nothing a save could carry over."""
    source = image if image.mode == mode else image.convert(mode)
    bare = Image.new(mode, source.size)
    bare.paste(source)
    return bare
