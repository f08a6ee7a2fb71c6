"""A photo as Telegram keeps it: whatever image a user sends is encoded anew as JPEG in a few
sizes, each a file of its own, and the message's `photo` lists them smallest first (the Bot
API's "available sizes of the photo"). The boxes are Telegram's own (s 90, m 320, x 800, y 1280
pixels on the longer side); a photo smaller than a box is kept at its own size as the largest."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

BOXES = (90, 320, 800, 1280)
MAX_PHOTO = 10 * 1024 * 1024  # what Telegram takes as a photo, and 10,000 pixels for w + h
MAX_SIDES = 10_000
MAX_RATIO = 20
QUALITY = 87


class NotAnImage(ValueError):
    """Telegram's PHOTO_INVALID_DIMENSIONS / IMAGE_PROCESS_FAILED."""


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    content: bytes  # JPEG


def sizes(content: bytes) -> list[Size]:
    """The sizes Telegram would keep of this image, smallest first."""
    if len(content) > MAX_PHOTO:
        raise NotAnImage("photo larger than 10 MB")
    try:
        with Image.open(io.BytesIO(content)) as opened:
            width, height = opened.size
            if width + height > MAX_SIDES or max(width, height) > MAX_RATIO * min(width, height):
                raise NotAnImage("PHOTO_INVALID_DIMENSIONS")
            image = ImageOps.exif_transpose(opened).convert("RGB")  # as phones send it: upright
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage("IMAGE_PROCESS_FAILED") from exc
    largest = min(max(image.size), BOXES[-1])
    boxes = [b for b in BOXES if b < largest] + [largest]
    return [_scaled(image, box) for box in boxes]


def _scaled(image: Image.Image, box: int) -> Size:
    copy = image.copy()
    copy.thumbnail((box, box))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=QUALITY)
    return Size(copy.width, copy.height, out.getvalue())
