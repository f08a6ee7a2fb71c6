"""Received files: the type is read from the bytes, never the sender's claim; the name is made
safe before it is stored or sent back."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.core import files
from bot.core.config import Settings
from bot.services import tasks
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected
from bot.services.queries import reading
from bot.services.uow import UnitOfWork
from models import Document, Event
from tests.bot_world import AGENCY, World, intake, office_world
from tests.conftest import Office
from tests.helpers import open_tasks, register, to_step

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(120)
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return buffer.getvalue()


def _ooxml(main: str) -> bytes:
    """An Office Open XML package whose main part has content type `main`."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/main.xml" ContentType="{main}"/></Types>'
    )
    return _zip({"[Content_Types].xml": types, "main.xml": "<x/>"})


DOCX = _ooxml(f"{files.DOCX}.main+xml")
XLSX = _ooxml(f"{files.XLSX}.main+xml")
DOCM = _ooxml("application/vnd.ms-word.document.macroEnabled.main+xml")

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(stream: str, size: int = 4096) -> bytes:
    """A minimal OLE compound file ([MS-CFB] version 3) holding one stream: how .doc, .xls and
    .msi files are built. 4,096 bytes or more, so the stream needs no mini stream."""
    sectors = -(-size // 512)
    fat = [_FAT, _END, *range(3, 2 + sectors), _END]
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *[_FREE] * 108)
    )

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1 if name else 0, _NONE, _NONE, child)
            + bytes(20)
            + bytes(16)
            + struct.pack("<IQ", start, length)
        )

    directory = entry("Root Entry", 5, 1, _END, 0) + entry(stream, 2, _NONE, 2, size)
    directory += entry("", 0, _NONE, 0, 0) * 2
    fat_sector = struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat)))
    return header + fat_sector + directory + (b"\x01" * size).ljust(sectors * 512, b"\0")


ALLOWED = Settings(_env_file=None).allowed_mime_types  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (DOCX, files.DOCX),
        (XLSX, files.XLSX),
        (compound_file("WordDocument"), files.DOC),
        (compound_file("Workbook"), files.XLS),
    ],
)
def test_the_accepted_kinds_are_recognised_by_content(content: bytes, mime: str) -> None:
    assert files.detect(content).mime == mime
    assert mime in ALLOWED


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (EXE, ".exe"),
        (_zip({"a.txt": "halo"}), ".zip"),  # puremagic alone calls any zip a .docx
        (DOCM, ".zip"),  # Word with macros: not a .docx
        (_zip({"[Content_Types].xml": "<bukan xml"}), ".zip"),
        (_ooxml(PPTX_MAIN), ".pptx"),
        (compound_file("\x05SummaryInformation"), ".ole"),  # an .msi, say: not a .doc
        (b"GIF89a" + bytes(20), ".gif"),
        (b"<html><script>alert(1)</script></html>", ".html"),
        (b"teks biasa", ""),
    ],
)
def test_other_content_is_not_accepted_whatever_it_is_called(
    content: bytes, extension: str
) -> None:
    found = files.detect(content)
    assert found.extension == extension
    assert found.mime not in ALLOWED


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("surat\x00.pdf", "surat.pdf"),
        ("lap\x07oran\r\n.pdf", "laporan.pdf"),
        ("\u202efdp.exe", "fdp.exe"),  # a right-to-left override shows "exe.pdf"
        ("nota\u2066\u200b dinas.docx", "nota dinas.docx"),
        ("CON.pdf", "dokumen-CON.pdf"),
        ("lpt1", "dokumen-lpt1"),
        ("nul.tar.gz", "dokumen-nul.tar.gz"),
        (".bashrc", "bashrc"),
        ("..", "dokumen"),
        ("", "dokumen"),
        (None, "dokumen"),
        ("Telaah A&B (final).PDF", "Telaah A&B (final).PDF"),
        ("x" * 300 + ".xlsx", "x" * (files.MAX_NAME - 5) + ".xlsx"),
        ("y" * 300, "y" * files.MAX_NAME),
    ],
)
def test_a_file_name_is_made_safe(sent: str | None, kept: str) -> None:
    assert files.safe_name(sent) == kept
    assert files.safe_name(kept) == kept  # safe names stay as they are


@pytest.mark.parametrize(
    ("sent", "content", "kept"),
    [
        ("Hasil telaah.hta", PDF, "Hasil telaah.pdf"),  # runs its script where it sits
        ("telaah.pdf.exe", PDF, "telaah.pdf.pdf"),
        ("run.bat", PDF, "run.pdf"),
        ("a.scr", PNG, "a.png"),
        ("x.lnk", JPEG, "x.jpg"),
        ("tanpa ekstensi", PDF, "tanpa ekstensi.pdf"),
        ("foto.JPEG", JPEG, "foto.JPEG"),  # an alias of the type stays as written
        ("Telaah.PDF", PDF, "Telaah.PDF"),
        ("nota.doc", DOCX, "nota.docx"),
    ],
)
def test_a_name_ends_in_an_extension_of_the_type_its_bytes_are(
    sent: str, content: bytes, kept: str
) -> None:
    assert files.safe_name(sent, files.detect(content)) == kept


async def test_a_pdf_sent_as_hta_is_stored_and_sent_back_as_pdf(
    ctx: Context, office: Office
) -> None:
    task = await _analyst_task(ctx, office)
    upload = Upload("Hasil telaah.hta", "application/pdf", PDF, "id-1", "u-1")
    await tasks.attach_document(ctx, task, office["analis_ls"], "hasil_telaah", upload)
    async with reading(ctx) as session:
        stored = await session.scalar(select(Document).where(Document.task_id == task))
    assert stored is not None
    # Telegram would re-send the file id under ".hta": this one goes from the archive.
    assert (stored.file_name, stored.telegram_file_id) == ("Hasil telaah.pdf", None)


async def _analyst_task(ctx: Context, office: Office) -> int:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    return (await open_tasks(ctx, reg.proposal_id))["analis_ls"].id


async def test_an_exe_claiming_to_be_a_pdf_is_refused_and_recorded(
    ctx: Context, office: Office
) -> None:
    task = await _analyst_task(ctx, office)
    archived = sorted(ctx.archive.root.rglob("*"))
    for name, claimed, content in (
        ("telaah.pdf", "application/pdf", EXE),
        ("telaah.docx", files.DOCX, EXE),
        ("telaah.docx", files.DOCX, _zip({"word/document.xml": "<w/>"})),
    ):
        upload = Upload(name, claimed, content)
        with pytest.raises(DocumentRejected) as refused:
            await tasks.attach_document(ctx, task, office["analis_ls"], "hasil_telaah", upload)
        assert refused.value.details["reason"] == "type"
        assert refused.value.details["detected"] not in ALLOWED
    assert sorted(ctx.archive.root.rglob("*")) == archived
    async with reading(ctx) as session:
        refusals = list(await session.scalars(select(Event).where(Event.type == "action_refused")))
    assert [e.payload["code"] for e in refusals] == ["document_rejected"] * 3


async def test_a_file_is_stored_with_its_real_type_and_a_safe_name(
    ctx: Context, office: Office
) -> None:
    task = await _analyst_task(ctx, office)
    sent = Upload("../../etc/pass\u202ewd", "application/octet-stream", DOCX, "id-1", "u-1")
    safe = Upload("telaah.pdf", "application/octet-stream", PDF, "id-2", "u-2")
    for upload in (sent, safe):
        await tasks.attach_document(ctx, task, office["analis_ls"], "hasil_telaah", upload)
    async with reading(ctx) as session:
        stored = {
            d.telegram_file_unique_id: d
            for d in await session.scalars(select(Document).where(Document.task_id == task))
        }
    renamed, kept = stored["u-1"], stored["u-2"]
    assert (renamed.file_name, renamed.mime_type) == ("passwd.docx", files.DOCX)
    # Telegram would re-send the file id under its first name: this one goes from the archive.
    assert renamed.telegram_file_id is None
    assert (kept.file_name, kept.mime_type, kept.telegram_file_id) == (
        "telaah.pdf",
        "application/pdf",
        "id-2",
    )


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def test_the_intake_refuses_an_exe_at_once_then_takes_a_pdf_under_a_safe_name(
    world: World,
) -> None:
    who = "pengadministrasi"
    await world.say(who, "/usulan")
    await world.press(who, await world.latest(who, "Jenis usulan"), "KAK ")
    await world.latest(who, "judul usulan")
    await world.say(who, "Kerja sama wisata bahari")
    await world.latest(who, "Asal usulan")
    await world.say(who, AGENCY)
    await world.press(who, await world.latest(who, "Perangkat Daerah Terkait?"), AGENCY)
    await world.latest(who, "Kirim berkas")
    await world.send_file(who, "usulan.pdf", content=EXE)
    refusal = await world.latest(who, "isinya terbaca sebagai berkas .exe")
    assert "Yang diterima: PDF, Word (.doc), Word (.docx)" in refusal["text"]
    async with reading(world.ctx) as session:
        recorded = await session.scalar(select(Event).where(Event.type == "action_refused"))
    assert recorded is not None and recorded.payload["detected"].endswith("executable")
    # Nothing lost: the answers so far stand, and the next file is taken.
    await world.send_file(who, "../../etc/\u202eusulan.pdf", content=PDF)
    await world.press(who, await world.latest(who, "catatan untuk pelaksana"), "Lewati")
    card = await world.latest(who, "Periksa lagi")
    assert "Berkas: usulan.pdf" in card["text"] and "etc" not in card["text"]
    await world.press(who, card, "✅ Daftarkan")
    done = await world.latest(who, "Usulan terdaftar")
    number = str(done["text"].split("terdaftar: ")[1].split(" ")[0])
    sent_back = await world.download("karo", await world.task("karo", number), "usulan.pdf")
    assert sent_back["document"]["file_name"] == "usulan.pdf"


async def test_a_name_stored_before_it_was_made_safe_goes_back_safe(world: World) -> None:
    """Rows from before: an unsafe name, and a file id Telegram would re-send under it."""
    number = await intake(world)
    karo = world.uid("karo")
    sent = await world.tg.send(karo, document=("../../etc/passwd", "application/pdf", PDF))
    async with UnitOfWork(world.ctx) as uow:
        await uow.session.execute(
            update(Document).values(
                file_name="../../etc/passwd",
                telegram_file_id=sent["message"]["document"]["file_id"],
            )
        )
        await uow.commit()
    await world.say("karo", "/tugas")
    listing = await world.latest("karo", "Tugas Anda")
    await world.press("karo", listing, number)  # the task's card again, drawn from the row
    cards = await world.tg.wait(
        karo, contains="Tugas baru", since_message_id=listing["message_id"], seconds=10
    )
    card = cards[-1]
    before = sum(1 for m in await world.tg.messages(karo) if m["from_bot"])
    await world.press("karo", card, "📄 ../../etc/passwd")
    found = await world.tg.wait(karo, count=before + 1, seconds=10)
    documents = [m["document"] for m in found if m["from_bot"] and m.get("document")]
    assert [d["file_name"] for d in documents] == ["passwd.pdf"]
