"""A photo is kept as a one-page PDF that fits A4 (`bot.core.photos`), the same bytes for the
same photo; so it passes where an office accepts PDF only, and the name it gets is the title
of the document it is."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.core import files, photos
from bot.core.config import Settings
from bot.services import documents, tasks
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected
from bot.services.queries import reading
from models import Document
from tests.conftest import Office
from tests.helpers import open_tasks, register, to_step

A4 = (595.28, 841.89)  # points


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.new("RGB", (width, height), (30, 60, 90)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _page(pdf: bytes) -> tuple[float, float]:
    found = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert found is not None
    return float(found[1]), float(found[2])


def _image_size(pdf: bytes) -> tuple[int, int]:
    width = re.search(rb"/Width (\d+)", pdf)
    height = re.search(rb"/Height (\d+)", pdf)
    assert width is not None and height is not None
    return int(width[1]), int(height[1])


@pytest.mark.parametrize(
    ("size", "fills"),
    [((1280, 960), "height"), ((960, 1280), "width"), ((1000, 1000), "width")],
)
def test_a_photo_is_one_pdf_page_that_fits_a4(size: tuple[int, int], fills: str) -> None:
    pdf = photos.to_pdf(_jpeg(*size))
    assert files.detect(pdf).mime == "application/pdf"
    assert pdf.count(b"/Type /Page\n") == 1 and _image_size(pdf) == size
    width, height = _page(pdf)
    short, long = sorted(A4)
    box = (long, short) if size[0] > size[1] else (short, long)
    assert width <= box[0] + 0.01 and height <= box[1] + 0.01
    assert abs((width if fills == "width" else height) - box[0 if fills == "width" else 1]) < 0.01
    assert abs(width / height - size[0] / size[1]) < 0.01  # not stretched


def test_the_same_photo_gives_the_same_bytes() -> None:
    photo = _jpeg(800, 600)
    assert photos.to_pdf(photo) == photos.to_pdf(photo)  # no date inside: a replay stores one file


def test_a_photo_its_exif_turns_is_turned() -> None:
    pdf = photos.to_pdf(_jpeg(1280, 960, orientation=6))  # taken with the phone upright
    assert _image_size(pdf) == (960, 1280)
    width, height = _page(pdf)
    assert height > width


def test_a_png_with_transparency_is_laid_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(out, "PNG")
    pdf = photos.to_pdf(out.getvalue())
    assert files.detect(pdf).mime == "application/pdf" and _image_size(pdf) == (40, 30)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size and holds no pixels: Pillow reads the header only."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4 bukan foto", b"", b"\xff\xd8\xff\xe0 rusak", _png_header(8000, 8000)],
    ids=["pdf", "empty", "broken-jpeg", "too-many-pixels"],
)
def test_what_is_no_photo_is_refused(content: bytes) -> None:
    with pytest.raises(photos.NotAPhoto):
        photos.to_pdf(content)


# -- where the office accepts PDF only ---------------------------------------------------------


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        archive_dir=tmp_path / "arsip",
        allowed_document_types="application/pdf",
        _env_file=None,
    )


async def _analyst_task(ctx: Context, office: Office) -> int:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    return (await open_tasks(ctx, reg.proposal_id))["analis_ls"].id


async def test_a_photo_passes_where_only_pdf_is_accepted(ctx: Context, office: Office) -> None:
    task = await _analyst_task(ctx, office)
    photo = _jpeg(1280, 960)
    with pytest.raises(DocumentRejected) as refused:  # the JPEG itself, sent as a document
        await tasks.attach_document(
            ctx, task, office["analis_ls"], "hasil_telaah", Upload("foto.jpg", "", photo)
        )
    assert refused.value.details["detected"] == "image/jpeg"
    upload = await documents.from_photo(ctx, photo, "AgAC-photo", "AQAD-photo")
    await tasks.attach_document(ctx, task, office["analis_ls"], "hasil_telaah", upload)
    async with reading(ctx) as session:
        stored = await session.scalar(select(Document).where(Document.task_id == task))
    assert stored is not None
    assert (stored.file_name, stored.mime_type) == (
        "Hasil telaah Dokumen KAK atau FS.pdf",
        "application/pdf",
    )
    # The ids are the photo's, not the PDF's: it is sent back from the archive.
    assert (stored.telegram_file_id, stored.telegram_file_unique_id) == (None, None)
    assert ctx.archive.path_of(stored.archive_path).read_bytes() == upload.content


async def test_bytes_that_are_no_photo_are_refused_as_a_wrong_type(ctx: Context) -> None:
    with pytest.raises(DocumentRejected) as refused:
        await documents.from_photo(ctx, b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120))
    assert refused.value.details["reason"] == "type"
    assert refused.value.details["accepted"] == ["application/pdf"]
