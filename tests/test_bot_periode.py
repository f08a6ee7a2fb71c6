"""/laporan and /rekap with a period, end to end: the real bot against the emulator. The case is
registered on Monday 23 November 2026; a period that holds that day has it, one that does not
has nothing; the caption and the file's name say the period, the audit event records it; what
cannot be read is answered in words, with examples, and nothing is made."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.core.clock import ShiftedClock
from bot.core.config import Settings
from tests.bot_world import World, answer_to, intake, office_world
from tests.conftest import MONDAY_0800
from tests.helpers import SOP, events


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path, clock=ShiftedClock(MONDAY_0800)) as w:
        yield w


async def _issued(world: World) -> list[dict[str, Any]]:
    return [e.payload for e in await events(world.ctx) if e.type == "record_issued"]


async def test_rekap_of_a_month_holds_its_cases_and_says_the_month(world: World) -> None:
    number = await intake(world)
    sent = await answer_to(world, "karo", "/rekap 11/2026", "Rekap")
    assert sent["document"]["file_name"] == "rekap-2026-11.xlsx"
    assert "Rekap 1 usulan, periode 1 Nov 2026 s.d. 30 Nov 2026, per" in sent["text"]
    _, content = await world.tg.file(sent["document"]["file_id"])
    sheet = load_workbook(io.BytesIO(content))[SOP]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [number]
    [made] = await _issued(world)
    assert made["start"] == "2026-11-01T00:00:00+07:00"  # the office's days, not UTC's
    assert made["end"] == "2026-12-01T00:00:00+07:00" and made["cases"] == 1

    empty = await answer_to(world, "karo", f"/rekap {SOP} 2026-10", "Belum ada")
    assert "dalam periode 1 Okt 2026 s.d. 31 Okt 2026" in empty["text"]
    assert empty["document"] is None and len(await _issued(world)) == 1

    # The SOP's code in capitals is the same SOP.
    year = await answer_to(world, "karo", f"/rekap {SOP.upper()} 2026", "Rekap")
    assert year["document"]["file_name"] == "rekap-2026.xlsx"
    assert [p["sop"] for p in await _issued(world)] == [None, SOP]


async def test_laporan_of_a_half_year_says_it_in_caption_file_and_pdf(world: World) -> None:
    await intake(world)
    sent = await answer_to(world, "karo", f"/laporan {SOP} semester II 2026", "Laporan monev SOP —")
    assert sent["document"]["file_name"] == f"laporan-monev-{SOP}-2026-S2.pdf"
    assert "periode 1 Jul 2026 s.d. 31 Des 2026: 1 kasus yang dapat Anda lihat" in sent["text"]
    _, content = await world.tg.file(sent["document"]["file_id"])
    shown = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )
    assert "Periode: 1 Juli 2026 s.d. 31 Desember 2026" in shown

    periods = [(p["sop"], p["start"], p["end"], p["cases"]) for p in await _issued(world)]
    assert periods == [(SOP, "2026-07-01T00:00:00+07:00", "2027-01-01T00:00:00+07:00", 1)]

    # A period with no case is answered as /rekap answers it: no file, nothing on record.
    before = await answer_to(world, "karo", "/laporan 01/01/2026 2026-06-30", "Belum ada")
    assert before["document"] is None
    assert "Belum ada kasus yang dapat Anda lihat untuk dilaporkan" in before["text"]
    assert "dalam periode 1 Jan 2026 s.d. 30 Jun 2026" in before["text"]
    assert len(await _issued(world)) == 1


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("/laporan 2026-13-01", "«2026-13-01» bukan periode yang dikenal"),
        ("/rekap 31/02/2026", "«31/02/2026» bukan periode yang dikenal"),
        ("/rekap 2026-07-01 2026-06-30", "Tanggal awal 1 Jul 2026 jatuh sesudah tanggal akhir"),
        (f"/laporan {SOP} semester1 2026 2025", "jatuh sesudah"),
        ("/laporan tidak_ada 2026", "SOP «tidak_ada» tidak ada"),
        ("/laporan 2026 2026 2026", "Terlalu banyak kata: «2026» berlebih"),
        ("/rekap " + "2026 " * 800, "Terlalu panjang: 3.999 karakter"),
    ],
)
async def test_what_cannot_be_read_is_answered_and_nothing_is_made(
    world: World, command: str, said: str
) -> None:
    await intake(world)
    name = command.split()[0]
    answer = await answer_to(world, "karo", command, said)
    assert answer["document"] is None
    assert f"Tulis {name} [KODE_SOP] [PERIODE], misalnya:" in answer["text"]
    assert f"{name} {SOP} 2026-01-01 2026-06-30" in answer["text"]  # this year's, from the clock
    assert len(answer["text"]) < 500
    shown = await world.tg.messages(world.uid("karo"))
    assert not [m for m in shown if m["document"] or "disusun" in (m["text"] or "")]
    assert await _issued(world) == []


async def test_the_help_names_the_period(world: World) -> None:
    said = await answer_to(world, "karo", "/bantuan", "/laporan")
    assert "/laporan [KODE_SOP] [PERIODE]" in said["text"]
    assert "/rekap [KODE_SOP] [PERIODE]" in said["text"] and "semester1 2026" in said["text"]
