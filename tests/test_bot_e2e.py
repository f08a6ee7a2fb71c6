"""End to end: twelve officials on their phones and a team group drive the seed SOP through the
real bot (PTB Application, long polling, outbox sender) and the emulator, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.bot_world import AGENCY, World, close_world, make_world


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(settings, tmp_path)
    try:
        await w.start_bot()
        await w.register_office()
        yield w
    finally:
        await close_world(w)


async def intake(world: World, kind: str = "KAK", title: str = "Kerja sama wisata bahari") -> str:
    """The administration staff register a proposal with /usulan; returns its number."""
    who = "pengadministrasi"
    await world.say(who, "/usulan")
    await world.press(who, await world.latest(who, "Jenis usulan"), f"{kind} ")
    await world.latest(who, "judul usulan")
    await world.say(who, title)
    await world.latest(who, "Dari siapa")
    await world.say(who, AGENCY if kind == "KAK" else "PT Timah Wisata")
    await world.press(who, await world.latest(who, "Perangkat Daerah terkait"), AGENCY)
    await world.latest(who, "Kirim berkas")
    await world.send_file(who, f"{kind.lower()}.pdf")
    await world.press(who, await world.latest(who, "catatan disposisi"), "Lewati")
    await world.press(who, await world.latest(who, "Periksa lagi"), "✅ Daftarkan")
    done = await world.latest(who, "Usulan terdaftar")
    return str(done["text"].split("terdaftar: ")[1].split(" ")[0])


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
