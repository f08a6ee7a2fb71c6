"""A photo made a one-page PDF, as offices print and archive it.

Telegram sends a photo as a JPEG it re-encoded itself (no file name, at most 1280 or 2560
pixels a side). The page is the photo at a resolution that fits it on A4 (portrait or
landscape, as the photo is), so it prints on A4 at full width or height. The JPEG is encoded
again with its own quantisation tables (`quality="keep"`), which loses next to nothing; a
photo its EXIF says to turn is turned first and encoded at a high quality instead. The output
carries no date or title, so the same photo always gives the same bytes (an update replayed
after a crash stores the same file, by the same SHA-256).
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

A4_INCHES = (210 / 25.4, 297 / 25.4)  # portrait: width, height
# A Telegram photo is at most 2560×2560 (6.5 million pixels): more is no photo, and the check,
# made on the header before any decoding, keeps Pillow's decompression-bomb limit far away.
MAX_PIXELS = 25_000_000
_QUALITY = 90  # for a photo encoded anew (turned, or not a JPEG)
_MODES = ("L", "RGB", "CMYK")  # the JPEG modes a PDF takes as they are
_ORIENTATION = 0x0112  # the EXIF tag


class NotAPhoto(ValueError):
    """The bytes are not an image Pillow can read, or one too large to be a photo."""


def to_pdf(content: bytes) -> bytes:
    """The image in `content` (a JPEG from Telegram; any format Pillow reads) as a one-page
    PDF. Raises NotAPhoto for bytes that are not a readable image of a photo's size."""
    try:
        with Image.open(io.BytesIO(content)) as opened:
            width, height = opened.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise NotAPhoto(f"{width}x{height} pixels is not a photo")
            opened.load()
            return _pdf(opened)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAPhoto(str(exc)) from exc


def _pdf(image: Image.Image) -> bytes:
    quality: int | str = _QUALITY
    if image.getexif().get(_ORIENTATION, 1) not in (0, 1):  # 1 is upright
        page = ImageOps.exif_transpose(image)
    elif image.format == "JPEG" and image.mode in _MODES:
        page, quality = image, "keep"
    else:
        page = image
    if page.mode not in _MODES:  # a PNG's alpha or palette: on white paper
        page = Image.alpha_composite(
            Image.new("RGBA", page.size, "white"), page.convert("RGBA")
        ).convert("RGB")
    out = io.BytesIO()
    page.save(
        out,
        "PDF",
        resolution=_fitting_resolution(*page.size),
        quality=quality,
        title=None,
        creationDate=None,
        modDate=None,
    )
    return out.getvalue()


def _fitting_resolution(width: int, height: int) -> float:
    """Pixels per inch at which the photo fills A4 in one direction and fits in the other."""
    short, long = A4_INCHES
    page_w, page_h = (short, long) if height >= width else (long, short)
    return max(width / page_w, height / page_h)
