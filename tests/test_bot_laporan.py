"""/laporan in Telegram, end to end: the official's report of the cases they may see, made off
the bot's loop and sent as a PDF by the outbox; an unknown SOP code is answered with the codes
there are; in a group, /laporan and /rekap say they are answered in the private chat."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.core.config import Settings
from models.outbox import DOCUMENT, SENT
from tests.bot_world import World, intake, office_world
from tests.helpers import events, outbox


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


async def test_report_and_register_are_on_record_once_though_telegram_failed_once(
    world: World,
) -> None:
    """Each is recorded with its outbox row; Telegram refusing the file is the sender's to
    retry, so the official gets it once and it is on record once."""
    await intake(world)
    karo = world.uid("karo")
    for command, caption in (("/laporan", "Laporan monev SOP:"), ("/rekap", "📊 Rekap")):
        await world.tg.fault("sendDocument", count=1, status=502)
        await world.tg.send(karo, command)
        await world.tg.wait(karo, contains=caption, seconds=20)
    documents = [m for m in await world.tg.messages(karo) if m["document"]]
    assert [d["document"]["file_name"].split("-")[0] for d in documents] == ["laporan", "rekap"]
    issued = [e.payload["kind"] for e in await events(world.ctx) if e.type == "record_issued"]
    assert issued == ["laporan", "rekap"]
    rows = [m for m in await outbox(world.ctx) if m.kind == DOCUMENT]
    assert [(m.template, m.status, m.attempts) for m in rows] == [
        ("laporan", SENT, 2),
        ("rekap", SENT, 2),
    ]
    assert (await world.tg.stats())["faults_injected"] == 2


async def test_in_a_group_rekap_and_laporan_say_to_ask_in_the_private_chat(world: World) -> None:
    """A register lists case titles (restricted ones too) and a report is one official's
    view: neither goes to a group, and the group is told so, not met with silence."""
    await intake(world)
    group = world.group
    assert group is not None
    for command in ("/rekap", "/laporan 2026"):
        await world.tg.send(world.uid("admin"), command, chat_id=group)
        name = command.split()[0]
        [said] = await world.tg.wait(group, contains=f"{name} hanya dijawab", seconds=10)
        assert f"tulis {name} di chat Anda dengan bot" in said["text"]
    shown = await world.tg.messages(group)
    assert not [m for m in shown if m["document"] or "disusun" in (m["text"] or "")]
    assert not [e for e in await events(world.ctx) if e.type == "record_issued"]
