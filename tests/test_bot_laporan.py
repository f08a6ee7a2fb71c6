"""/laporan in Telegram, end to end: the official's report of the cases they may see, made off
the bot's loop and sent as a PDF; an unknown SOP code is answered with the codes there are."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.core.config import Settings
from tests.bot_world import World, intake, office_world


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def test_the_report_comes_as_a_pdf_of_what_the_official_sees(world: World) -> None:
    await intake(world)
    karo = world.uid("karo")
    await world.tg.send(karo, "/laporan kerjasama_pihak_ketiga")
    [sent] = await world.tg.wait(karo, contains="Laporan monev SOP —", seconds=20)
    assert "1 kasus yang dapat Anda lihat" in sent["text"]
    assert sent["document"]["file_name"].startswith("laporan-monev-kerjasama_pihak_ketiga-")
    _, content = await world.tg.file(sent["document"]["file_id"])
    shown = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Laporan Monitoring dan Evaluasi SOP" in shown and "sesuai akses Pejabat karo" in shown
    assert "1 kasus terdaftar" in shown


async def test_an_unknown_sop_code_is_answered_with_the_codes(world: World) -> None:
    karo = world.uid("karo")
    await world.tg.send(karo, "/laporan tidak_ada")
    [said] = await world.tg.wait(karo, contains="tidak ada", seconds=10)
    assert "kerjasama_pihak_ketiga" in said["text"]
