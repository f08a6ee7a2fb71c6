"""End to end: twelve officials on their phones and a team group drive the seed SOP through the
real bot (PTB Application, long polling, outbox sender) and the emulator, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import api_urls
from bot.core.config import Settings
from bot.services import queries
from demo.world import TOKEN
from tests.bot_world import (
    World,
    intake,
    office_world,
    through_step_7,
    tkksd_attaches_both,
)


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def test_registration_intake_and_first_approval(world: World) -> None:
    number = await intake(world)
    assert number == "0001/KS/2026" or number.endswith("/KS/" + number[-4:])
    task = await world.task("karo", number)
    assert "Tugas baru" in task["text"] and "Langkah 1" in task["text"]
    answer = await world.approve("karo", number)
    assert "Tersimpan" in answer["text"]
    closed = await world.tg.wait(world.uid("karo"), edited_contains="Disetujui", seconds=10)
    assert closed[-1]["buttons"] in (None, [])
    await world.task("kabag_ks", number)
    card = await world.tg.wait(world.group or 0, contains=number, seconds=10)
    assert card


async def test_kak_runs_from_intake_to_the_letter_sent(world: World) -> None:
    number = await intake(world, "KAK")
    await through_step_7(world, number)
    await tkksd_attaches_both(world, number)
    answer = await world.press("tkksd", await world.task("tkksd", number), "Setuju — KAK")
    assert "Tersimpan" in answer["text"]
    notice = await world.latest("perangkat_daerah", number)  # the agency hears of the approval
    assert "Kabar usulan" in notice["text"]
    await world.press("gubernur", await world.task("gubernur", number), "Setuju")
    await world.attach("karo", number, "surat-usulan.pdf")
    await world.approve("karo", number)
    await world.approve("pengadministrasi", number)

    closed = await world.tg.wait(world.uid("perangkat_daerah"), contains="Usulan selesai")
    assert "Surat dikirim dan diarsipkan" in closed[-1]["text"]
    group = world.group or 0
    cards = [m for m in await world.tg.messages(group) if number in (m["text"] or "")]
    card = next(m for m in cards if "📋" in m["text"])
    await world.tg.wait(group, edited_contains="Selesai: ")
    card = next(m for m in await world.tg.messages(group) if m["message_id"] == card["message_id"])
    assert card["edited"] and "Selesai" in card["text"]  # one live card, edited in place
    outcome = await world.tg.wait(group, contains="selesai: Surat dikirim dan diarsipkan")
    assert number in outcome[-1]["text"]


async def test_fs_takes_the_recommendation_branch(world: World) -> None:
    number = await intake(world, "FS", title="Tawaran pengelolaan pelabuhan")
    await through_step_7(world, number)
    await tkksd_attaches_both(world, number)
    task = await world.task("tkksd", number)
    labels = [b["text"] for row in task["buttons"] for b in row]
    assert not any("KAK" in label for label in labels)  # the KAK option is not offered for FS
    await world.press("tkksd", task, "Setuju — rekomendasi")
    governor = await world.task("gubernur", number)
    assert "Langkah 9" in governor["text"]


async def test_rejection_at_step_8_returns_the_proposal(world: World) -> None:
    number = await intake(world)
    await through_step_7(world, number)
    await world.attach("tkksd", number, "notulen.pdf", choice="Notulen")
    await world.press("tkksd", await world.task("tkksd", number), "Tidak setuju")
    await world.latest("tkksd", "tulis alasannya")
    await world.say("tkksd", "Tidak sesuai RPJMD")
    closed = await world.latest("perangkat_daerah", "Usulan selesai")
    assert "Dikembalikan ke Perangkat Daerah" in closed["text"]


async def test_return_at_step_7_goes_back_to_step_6(world: World) -> None:
    number = await intake(world)
    for who in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await world.approve(who, number)
    for analyst in ("analis_ls", "analis_pks"):
        await world.attach(analyst, number, f"telaah-{analyst}.pdf")
        await world.approve(analyst, number)
    await world.approve("kasubbag_kss_ln", number)
    first = await world.task("kabag_ks", number)
    assert "Langkah 6" in first["text"]
    await world.approve("kabag_ks", number)
    await world.press("karo", await world.task("karo", number), "↩️ Kembalikan")
    await world.latest("karo", "alasan pengembalian")
    await world.say("karo", "Analisa risiko belum ada")
    again = await world.tg.wait(
        world.uid("kabag_ks"), contains="Langkah 6", since_message_id=first["message_id"]
    )
    back = again[-1]["text"]
    assert number in back  # step 6 again, in a new task message
    # The top says it came back, from whom, from which step, and why; not "Tugas baru".
    head = back.splitlines()[:4]
    assert head[0] == "↩️ Dikembalikan kepada Anda" and "Tugas baru" not in back
    assert "oleh Pejabat karo, dari langkah 7: Periksa analisa, teruskan ke TKKSD" in head[1]
    assert head[2] == "Alasan: Analisa risiko belum ada"
    edited = await world.tg.wait(world.uid("karo"), edited_contains="Dikembalikan")
    assert "Analisa risiko belum ada" in edited[-1]["text"]


async def test_a_forward_with_an_instruction(world: World) -> None:
    number = await intake(world)
    await world.press("karo", await world.task("karo", number), "👥 Teruskan")
    picker = await world.latest("karo", "Teruskan kepada siapa")
    labels = [b["text"] for row in picker["buttons"] for b in row]
    assert labels[0] == "Pejabat kabag_ks"  # the direct subordinate comes first
    await world.press("karo", picker, "Ani Staf")
    await world.latest("karo", "Tulis arahan")
    await world.say("karo", "Tolong periksa lampirannya")
    forwarded = await world.latest("staf", "Diteruskan kepada Anda")
    assert "Tolong periksa lampirannya" in forwarded["text"]
    assert "Tersimpan" in (await world.press("staf", forwarded, "✅ Setujui"))["text"]
    await world.task("kabag_ks", number)


async def test_refusals_are_plain_and_change_nothing(world: World) -> None:
    number = await intake(world)
    # A stranger: a polite no, nothing shown.
    stranger = await world.tg.create_user("Orang Asing")
    await world.tg.send(stranger["id"], "/tugas")
    said = await world.tg.wait(stranger["id"], contains="belum terdaftar")
    assert number not in said[-1]["text"]
    # An unknown invitation.
    await world.tg.send(stranger["id"], "/start bukan-token")
    await world.tg.wait(stranger["id"], contains="tidak dikenal")
    # Missing document, at step 4.
    for who in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await world.approve(who, number)
    answer = await world.approve("analis_ls", number)
    assert answer["show_alert"] and "Dokumen belum lengkap" in answer["text"]
    # Wrong file type, then a file too big.
    await world.press("analis_ls", await world.task("analis_ls", number), "📎 Lampirkan")
    await world.latest("analis_ls", "Kirim berkas")
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120)  # claims to be a PDF: the bytes decide
    await world.send_file("analis_ls", "virus.pdf", mime="application/pdf", content=exe)
    await world.latest("analis_ls", "isinya terbaca sebagai berkas .exe")
    limit = world.ctx.settings.max_document_bytes
    await world.send_file("analis_ls", "besar.pdf", content=b"%PDF" + b"0" * limit)
    await world.latest("analis_ls", "Berkas terlalu besar")


async def test_a_double_tap_and_a_stale_button(world: World) -> None:
    import asyncio

    number = await intake(world)
    task = await world.task("karo", number)
    # /tugas shows the same task with its own buttons: a second copy that will go stale.
    await world.say("karo", "/tugas")
    listing = await world.latest("karo", "Tugas Anda")
    await world.press("karo", listing, number)
    copy = await world.tg.wait(
        world.uid("karo"), contains="Tugas baru", since_message_id=listing["message_id"]
    )
    stale = copy[-1]
    karo = world.uid("karo")
    first, second = await asyncio.gather(  # two taps before the message loses its buttons
        world.tg.press(karo, task["message_id"], label="✅ Setujui", wait=10),
        world.tg.press(karo, task["message_id"], label="✅ Setujui", wait=10),
    )
    texts = sorted([first["answer"]["text"], second["answer"]["text"]])
    assert texts == sorted(["✅ Tersimpan.", "Tugas ini sudah ditangani."])
    late = await world.press("karo", stale, "✅ Setujui")
    assert late["show_alert"] and "sudah ditangani" in late["text"]
    steps = [m for m in await world.tg.messages(world.uid("kabag_ks")) if number in m["text"]]
    assert len(steps) == 1  # step 2 started once


async def test_commands_delegation_and_an_invitation_from_the_chat(world: World) -> None:
    number = await intake(world)
    await world.say("karo", f"/status {number}")
    status = await world.latest("karo", "Langkah 1")
    assert number in status["text"]
    await world.say("karo", f"/riwayat {number}")
    assert "didaftarkan" in (await world.latest("karo", "Riwayat"))["text"]
    await world.say("karo", "/cari wisata")
    assert number in (await world.latest("karo", "Hasil"))["text"]
    await world.say("karo", "/sop")
    assert "Gubernur" in (await world.latest("karo", "SOP Penerbitan"))["text"]
    # Karo names a Plh for three days; the Plh then acts in his name.
    await world.say("karo", "/delegasi")
    await world.press("karo", await world.latest("karo", "Plh"), "Ani Staf")
    await world.press("karo", await world.latest("karo", "Berapa lama"), "3 hari")
    await world.latest("karo", "menjadi Plh")
    await world.say("staf", "/tugas")
    listing = await world.latest("staf", "Tugas Anda")
    assert number in listing["text"] and "(Plh)" in listing["text"]
    # An admin invites from the chat.
    await world.say("admin", "/undang sekda")
    link = await world.latest("admin", "Undangan untuk")
    assert "https://t.me/disposisi_test_bot?start=" in link["text"]
    # A role no SOP has: said so, with the roles there are, by key and title.
    await world.say("admin", "/undang kepala_biro")
    unknown = (await world.latest("admin", "tidak dikenal"))["text"]
    assert "«kepala_biro»" in unknown and "Isian tidak dapat dipakai" not in unknown
    assert "• karo — Kepala Biro Pemerintahan" in unknown and "• admin" in unknown


async def test_a_forged_document_choice_is_refused(world: World) -> None:
    """`up:<task>:<version>:99` names no document of the list: refused, not taken as the first."""
    number = await intake(world)
    await world.task("karo", number)
    me = await queries.official_by_telegram(world.ctx, world.uid("karo"))
    assert me is not None
    (task,) = await queries.my_open_tasks(world.ctx, me.id)
    data = f"up:{task.task_id}:{task.version}:99"
    urls = api_urls(world.ctx.settings.telegram_api_url)
    assert urls is not None
    async with Bot(TOKEN, base_url=urls[0], base_file_url=urls[1]) as bot:
        forged = InlineKeyboardMarkup([[InlineKeyboardButton("palsu", callback_data=data)]])
        message = await bot.send_message(world.uid("karo"), "tombol palsu", reply_markup=forged)
    pressed = await world.tg.press(
        world.uid("karo"), message.message_id, callback_data=data, wait=10
    )
    assert pressed["answer"] is not None and pressed["answer"]["show_alert"]
    assert pressed["answer"]["text"] == "Tombol ini sudah tidak berlaku."
