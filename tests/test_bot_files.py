"""Phone habits, end to end (the real bot against the emulator): a photo is taken wherever a
document is, kept as a one-page PDF; and a file sent as a reply to a task's message attaches
to that task without 📎, through the same gate and the same checks."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.core.config import Settings
from bot.storage.db import read_session
from models import Document
from tests.bot_world import Json, World, intake, office_world, through_step_7


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


def _photo(width: int = 1600, height: int = 1200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 230)).save(out, "JPEG")
    return out.getvalue()


def _pdf(name: str) -> tuple[str, str, bytes]:
    return name, "application/pdf", b"%PDF-1.4 " + name.encode()


async def _documents(world: World) -> list[Document]:
    async with read_session(world.ctx.engine) as session:
        return list(await session.scalars(select(Document).order_by(Document.id)))


async def _after(world: World, who: str, since: Json, contains: str) -> Json:
    """The bot's first message in `who`'s chat after `since` containing `contains`."""
    found = await world.tg.wait(
        world.uid(who), contains=contains, since_message_id=since["message_id"], seconds=10
    )
    return found[-1]


async def _to_step_4(world: World) -> str:
    number = await intake(world)
    for who in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await world.approve(who, number)
    return number


async def test_a_photo_after_paperclip_is_kept_as_a_pdf_and_lets_the_step_be_approved(
    world: World,
) -> None:
    number = await _to_step_4(world)
    assert "belum lengkap" in (await world.approve("analis_ls", number))["text"]
    task = await world.task("analis_ls", number)
    await world.press("analis_ls", task, "📎 Lampirkan")
    asked = await world.latest("analis_ls", "Kirim berkas")
    assert "atau fotonya" in asked["text"]
    await world.tg.send(world.uid("analis_ls"), photo=_photo())
    done = await _after(world, "analis_ls", asked, "dilampirkan")
    assert "Hasil telaah Dokumen KAK atau FS.pdf dilampirkan" in done["text"]
    stored = (await _documents(world))[-1]
    assert (stored.kind, stored.mime_type) == ("hasil_telaah", "application/pdf")
    assert stored.telegram_file_id is None  # the photo's id is not the PDF's
    await world.tg.wait(world.uid("analis_ls"), edited_contains="✓ Hasil telaah", seconds=10)
    sent = await world.download("analis_ls", task, stored.file_name)  # from the archive
    _, content = await world.tg.file(sent["document"]["file_id"])
    assert content.startswith(b"%PDF-")
    assert "Tersimpan" in (await world.approve("analis_ls", number))["text"]


async def test_a_photo_at_intake_registers_the_proposal_with_a_pdf(world: World) -> None:
    who = "pengadministrasi"
    await world.say(who, "/usulan")
    await world.press(who, await world.latest(who, "Jenis usulan"), "KAK ")
    await world.latest(who, "judul usulan")
    await world.say(who, "Kerja sama dari foto")
    await world.latest(who, "Asal usulan")
    await world.say(who, "Dinas Pariwisata")
    await world.press(who, await world.latest(who, "Perangkat Daerah Terkait?"), "Dinas")
    asked = await world.latest(who, "Kirim berkas")
    assert "atau fotonya" in asked["text"]
    await world.tg.send(world.uid(who), photo=_photo(900, 1400))
    note = await _after(world, who, asked, "catatan untuk pelaksana")
    await world.press(who, note, "Lewati")
    card = await world.latest(who, "Periksa lagi")
    assert "Berkas: Dokumen KAK atau FS.pdf" in card["text"]
    await world.press(who, card, "✅ Daftarkan")
    await world.latest(who, "Usulan terdaftar")
    (stored,) = await _documents(world)
    assert (stored.kind, stored.mime_type, stored.task_id) == ("usulan", "application/pdf", None)
    assert stored.file_name == "Dokumen KAK atau FS.pdf"


async def test_a_document_as_a_reply_to_the_task_attaches_without_paperclip(
    world: World,
) -> None:
    number = await _to_step_4(world)
    task = await world.task("analis_ls", number)
    await world.tg.send(
        world.uid("analis_ls"), document=_pdf("telaah.pdf"), reply_to_message_id=task["message_id"]
    )
    done = await _after(world, "analis_ls", task, "dilampirkan")
    assert "telaah.pdf dilampirkan sebagai Hasil telaah Dokumen KAK atau FS" in done["text"]
    assert "Tersimpan" in (await world.approve("analis_ls", number))["text"]
    assert [d.file_name for d in await _documents(world)] == ["kak.pdf", "telaah.pdf"]


async def test_a_wrong_file_by_reply_is_refused_as_after_paperclip(world: World) -> None:
    number = await _to_step_4(world)
    task = await world.task("analis_ls", number)
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120)
    await world.tg.send(
        world.uid("analis_ls"),
        document=("telaah.pdf", "application/pdf", exe),
        reply_to_message_id=task["message_id"],
    )
    await _after(world, "analis_ls", task, "isinya terbaca sebagai berkas .exe")
    assert len(await _documents(world)) == 1  # the intake's only


async def test_several_uploads_missing_are_picked_then_the_last_one_goes_straight(
    world: World,
) -> None:
    number = await intake(world)
    await through_step_7(world, number)
    task = await world.task("tkksd", number)
    uid = world.uid("tkksd")
    await world.tg.send(uid, photo=_photo(), reply_to_message_id=task["message_id"])
    picker = await _after(world, "tkksd", task, "untuk dokumen yang mana")
    labels = [b["text"] for row in picker["buttons"] for b in row]
    assert labels == ["Notulen rapat TKKSD", "Konsep surat usulan", "✖️ Batal"]
    await world.press("tkksd", picker, "Notulen")
    done = await _after(world, "tkksd", picker, "dilampirkan")
    assert "Notulen rapat TKKSD.pdf dilampirkan sebagai Notulen rapat TKKSD" in done["text"]
    await world.tg.send(uid, document=_pdf("konsep.pdf"), reply_to_message_id=task["message_id"])
    again = await _after(world, "tkksd", done, "dilampirkan")
    assert "konsep.pdf dilampirkan sebagai Konsep surat usulan" in again["text"]
    kinds = [(d.kind, d.mime_type) for d in await _documents(world)][-2:]
    assert kinds == [("notulen", "application/pdf"), ("konsep_surat", "application/pdf")]
    # Both in place: a third file asks what it is, with the same list.
    await world.tg.send(uid, document=_pdf("lagi.pdf"), reply_to_message_id=task["message_id"])
    complete = await _after(world, "tkksd", again, "sudah lengkap")
    assert [b["text"] for row in complete["buttons"] for b in row][:2] == labels[:2]


async def test_a_step_without_uploads_takes_a_supporting_document(world: World) -> None:
    number = await intake(world)
    task = await world.task("karo", number)
    await world.tg.send(
        world.uid("karo"), document=_pdf("catatan.pdf"), reply_to_message_id=task["message_id"]
    )
    picker = await _after(world, "karo", task, "dokumen pendukung apa")
    await world.say("karo", "ini catatannya")  # text while the pick waits
    await _after(world, "karo", picker, "Pilih dulu")
    await world.press("karo", picker, "Surat usulan")
    await _after(world, "karo", picker, "catatan.pdf dilampirkan sebagai Surat usulan")
    assert (await _documents(world))[-1].kind == "surat_usulan"
    stale = await world.press("karo", picker, "Surat usulan")  # the file is attached already
    assert stale["show_alert"] and "tidak berlaku" in stale["text"]


async def test_a_reply_to_a_closed_task_is_refused_in_words(world: World) -> None:
    number = await intake(world)
    task = await world.task("karo", number)
    await world.approve("karo", number)
    await world.tg.wait(world.uid("karo"), edited_contains="Disetujui", seconds=10)
    await world.tg.send(
        world.uid("karo"), document=_pdf("telat.pdf"), reply_to_message_id=task["message_id"]
    )
    await _after(world, "karo", task, "Tugas ini sudah ditangani")
    assert len(await _documents(world)) == 1


async def test_a_reply_by_an_official_who_may_not_act_is_refused(world: World) -> None:
    number = await intake(world)
    await world.press("karo", await world.task("karo", number), "👥 Teruskan")
    await world.press("karo", await world.latest("karo", "Teruskan kepada siapa"), "Ani Staf")
    await world.press("karo", await world.latest("karo", "Tulis arahan"), "Tanpa arahan")
    forwarded = await world.latest("staf", "Diteruskan kepada Anda")
    # Karo gives it to someone else (from his message redrawn for the new version): Ani may
    # no longer act on it.
    await world.tg.wait(world.uid("karo"), edited_contains=number, seconds=10)
    before = (await world.tg.messages(world.uid("karo")))[-1]
    await world.press("karo", await world.task("karo", number), "👥 Teruskan")
    picker = await _after(world, "karo", before, "Teruskan kepada siapa")
    await world.press("karo", picker, "Pejabat kabag_ks")
    asked = await _after(world, "karo", picker, "Tulis arahan")
    await world.press("karo", asked, "Tanpa arahan")
    await world.tg.wait(world.uid("staf"), edited_contains="Diteruskan kepada", seconds=10)
    await world.tg.send(
        world.uid("staf"), photo=_photo(), reply_to_message_id=forwarded["message_id"]
    )
    await _after(world, "staf", forwarded, "Tugas ini bukan untuk Anda")
    assert len(await _documents(world)) == 1


async def test_a_reply_to_another_message_says_so(world: World) -> None:
    number = await intake(world)
    answer = await world.say("karo", "halo")  # the bot answers with a hint
    hint = await _after(world, "karo", answer["message"], "Gunakan tombol")
    await world.tg.send(
        world.uid("karo"), document=_pdf("x.pdf"), reply_to_message_id=hint["message_id"]
    )
    said = await _after(world, "karo", hint, "bukan pesan tugas")
    assert "Balas pesan tugasnya" in said["text"]
    await world.tg.send(world.uid("karo"), document=_pdf("y.pdf"))  # no reply, nothing asked
    await _after(world, "karo", said, "balas pesan tugasnya dengan berkas itu")
    assert number and len(await _documents(world)) == 1


async def test_a_reply_to_the_copy_from_tugas_is_a_reply_to_the_task(world: World) -> None:
    """/tugas sends the task again at once, not through the outbox: its 📎 button names it."""
    number = await intake(world)
    await world.task("karo", number)
    await world.say("karo", "/tugas")
    listing = await world.latest("karo", "Tugas Anda")
    await world.press("karo", listing, number)
    copy = await _after(world, "karo", listing, "Tugas baru")
    await world.tg.send(
        world.uid("karo"), document=_pdf("salinan.pdf"), reply_to_message_id=copy["message_id"]
    )
    picker = await _after(world, "karo", copy, "dokumen pendukung apa")
    await world.press("karo", picker, "Surat usulan")
    await _after(world, "karo", picker, "salinan.pdf dilampirkan")


async def test_a_file_by_reply_leaves_what_the_bot_waits_for_waiting(world: World) -> None:
    number = await _to_step_4(world)
    task = await world.task("analis_ls", number)
    await world.press("analis_ls", task, "📝 Catatan")
    asked = await _after(world, "analis_ls", task, "Tulis catatan")
    await world.tg.send(
        world.uid("analis_ls"), document=_pdf("telaah.pdf"), reply_to_message_id=task["message_id"]
    )
    done = await _after(world, "analis_ls", asked, "dilampirkan")
    await world.say("analis_ls", "Telaah terlampir")  # the note asked before, still awaited
    await _after(world, "analis_ls", done, "Tersimpan")
