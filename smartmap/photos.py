"""Report photos: checked by content on upload, re-encoded without metadata by a job."""

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import Refused

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 8000 × 5000; more is a decompression bomb or a mistake
MAX_PHOTOS = 3
FORMATS = {"JPEG", "PNG", "WEBP"}
LONGEST_SIDE = 2048
THUMBNAIL_SIDE = 320


def check_photo(content: bytes) -> None:
    """Refuse what is not a JPEG, PNG or WebP by its content, or is too large."""
    if len(content) > MAX_PHOTO_BYTES:
        raise Refused(_("A photo can be at most 10 MB."), 413, "photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                kind, size = image.format, image.size
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise Refused(_("Photos must be JPEG, PNG or WebP images."), 415, "photos") from None
    if kind not in FORMATS:
        raise Refused(_("Photos must be JPEG, PNG or WebP images."), 415, "photos")
    if size[0] * size[1] > MAX_PIXELS:
        raise Refused(_("A photo can have at most 40 million pixels."), 413, "photos")


def _encoded(image: Image.Image) -> bytes:
    """A fresh JPEG from the pixels alone: no EXIF (GPS), no XMP, no comments."""
    out = io.BytesIO()
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def reencode(content: bytes) -> tuple[bytes, bytes]:
    """The photo (upright, at most LONGEST_SIDE) and its thumbnail, both without metadata."""
    with Image.open(io.BytesIO(content)) as original:
        image = ImageOps.exif_transpose(original)
        image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
        photo = _encoded(image)
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        return photo, _encoded(image)
