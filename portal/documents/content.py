"""What a file is, decided from its bytes; images re-encoded with nothing but their pixels.

PDF, JPEG and PNG are taken. HEIC and HEIF photos (what iPhones take) are turned into JPEG when
pillow-heif is installed. Everything else is refused, whatever its name says. Images are decoded
and saved again: EXIF (with the GPS position and the camera's serial number), XMP, comments and
text chunks are left behind; the photo is first turned the way the camera held it, since the
orientation lived in the EXIF. PDFs are kept byte for byte.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import (
    BUSY,
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
# The most pixels an image may have, read from its header before anything is decoded. Every phone
# photo taken at the phone's usual size fits (12 MP; 24 MP on recent iPhones: 5712 × 4284).
# The 48 and 50 MP modes some phones offer are refused: decoding one takes about twice the memory
# and time of a 24 MP photo, and as a JPEG it is over the 10 MB file limit anyway. Measured by
# bench/image_decode.py: see bench/reports/image-decode.md.
MAX_PIXELS = 25_000_000
# Pillow refuses by itself too: it warns above this and raises above twice this. The warning is
# made an error here, so whichever check sees a bomb first refuses it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
# At most this many images are decoded at once in one process (each can take 150 MB while it is
# worked on); an upload waits up to DECODE_WAIT seconds for its turn, then is refused as busy.
DECODE_AT_ONCE = 2
DECODE_WAIT = 30.0
DECODING = threading.BoundedSemaphore(DECODE_AT_ONCE)
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
    if not DECODING.acquire(timeout=DECODE_WAIT):
        raise DocumentRefused(BUSY)
    try:
        return _decode_and_save(data, kind)
    finally:
        DECODING.release()


def _decode_and_save(data: bytes, kind: str) -> Prepared:
    """Decode, turn upright, strip and encode again, holding at most two copies of the pixels."""
    out_type = PNG if kind == PNG else JPEG
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]]) as opened:
            width, height = opened.size  # from the header: nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise DocumentRefused(IMAGE_TOO_LARGE, megapixels=MAX_PIXELS // 1_000_000)
            opened.load()
            icc_profile = opened.info.get("icc_profile")
            ImageOps.exif_transpose(opened, in_place=True)
            pixels = _bare(opened, _mode_for(opened, out_type))
    except DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentRefused(IMAGE_TOO_LARGE, megapixels=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise DocumentRefused(UNREADABLE) from None
    params = {"quality": JPEG_QUALITY} if out_type == JPEG else {}
    if icc_profile:
        # Kept so colours look right (phones take wide-gamut photos); it describes colours, not people.
        params["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    pixels.save(buffer, _PIL_FORMAT[out_type], **params)
    return Prepared(buffer.getvalue(), out_type)


def _mode_for(image: Image.Image, out_type: str) -> str:
    if out_type == JPEG:
        return image.mode if image.mode in ("L", "RGB") else "RGB"
    if image.mode in _PNG_MODES:
        return image.mode
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return "RGBA" if has_alpha else "RGB"


def _bare(image: Image.Image, mode: str) -> Image.Image:
    """A new image holding only the pixels: no info, no EXIF, no XMP, nothing a save could carry over.

    ``image`` is closed, and so is any converted copy, as soon as it is no longer needed: there are
    never more than two copies of the pixels at once.
    """
    source = image if image.mode == mode else image.convert(mode)
    if source is not image:
        image.close()
    bare = Image.new(mode, source.size)
    bare.paste(source)
    source.close()
    return bare
