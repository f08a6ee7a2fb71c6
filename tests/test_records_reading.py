"""The records' bulk read (issue 14, at scale): the moments it converts by hand, the register's
writer fed from the loop, and the collector's pace while a read runs."""

from __future__ import annotations

import gc
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.core.sop.loader import load_sop_text
from bot.records import cases as cases_module
from bot.records import rekap
from bot.records.rekap import Layout, write_register
from bot.services.context import Context
from models.base import stored_moment
from tests.conftest import Office
from tests.helpers import SOP, register

SURAT_MASUK = Path(__file__).parent.parent / "sops" / "surat_masuk.yaml"


def test_a_stored_moment_reads_as_the_column_type_gives_it() -> None:
    # SQLite's naive-UTC text, with and without microseconds
    assert stored_moment("2026-11-23 01:00:00.250000") == datetime(
        2026, 11, 23, 1, 0, 0, 250000, UTC
    )
    assert stored_moment("2026-11-23 01:00:00") == datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert stored_moment("2026-11-23 01:00:00").tzinfo is UTC  # type: ignore[union-attr]
    # text that carries its offset is moved to UTC, not read as UTC
    assert stored_moment("2026-11-23 08:00:00+07:00") == datetime(2026, 11, 23, 1, tzinfo=UTC)
    # PostgreSQL's aware datetimes, in UTC or another zone
    wib = timezone(timedelta(hours=7))
    assert stored_moment(datetime(2026, 11, 23, 8, tzinfo=wib)) == datetime(
        2026, 11, 23, 1, tzinfo=UTC
    )
    assert stored_moment(datetime(2026, 11, 23, 8, tzinfo=wib)).tzinfo is UTC  # type: ignore[union-attr]
    assert stored_moment(None) is None
    with pytest.raises(ValueError):
        stored_moment("bukan tanggal")


def test_a_header_the_sop_repeats_gets_its_own_column(ctx: Context) -> None:
    """An intake field labelled like a built-in column ("Nomor") is a column of its own, told
    apart by its place: the writer keys a row by header."""
    text = SURAT_MASUK.read_text(encoding="utf-8").replace("label: Nomor surat", "label: Nomor")
    spec = load_sop_text(text, "surat_masuk.yaml")
    layout = Layout([spec], ctx.settings.zone)
    assert len(set(layout.headers)) == len(layout.columns)
    assert layout.headers[0] == "Nomor"
    repeated = [h for h in layout.headers if h.startswith("Nomor (")]
    assert len(repeated) == 1 and repeated[0] == f"Nomor ({layout.headers.index(repeated[0]) + 1})"


async def test_every_row_reaches_the_file_across_many_hand_offs(
    ctx: Context, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows go to the writer's thread a few at a time: with a hand-off of two rows and a queue
    of one, seven cases still make seven rows, in order."""
    monkeypatch.setattr(rekap, "ROWS_PER_HAND_OFF", 2)
    numbers = [(await register(ctx, office, title=f"Usulan {n}")).number for n in range(7)]
    out = io.BytesIO()
    made = await write_register(ctx, out)
    assert made.cases == 7
    sheet = load_workbook(io.BytesIO(out.getvalue()))[SOP]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == numbers


async def test_a_failed_read_stops_the_writer_and_is_the_error_raised(
    ctx: Context, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        await register(ctx, office, title=f"Usulan {n}")
    real = Layout.row

    def broken(self: Layout, case: Any, spec: Any) -> dict[str, Any]:
        if case.title == "Usulan 2":
            raise LookupError("the third row cannot be made")
        return real(self, case, spec)

    monkeypatch.setattr(Layout, "row", broken)
    with pytest.raises(LookupError, match="third row"):
        await write_register(ctx, io.BytesIO())


async def test_a_failed_writer_is_the_error_raised(
    ctx: Context, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer refusing a row (here a cell beyond Excel's limit, which the register never
    makes itself) ends the read instead of leaving it waiting on a full queue."""
    monkeypatch.setattr(rekap, "ROWS_PER_HAND_OFF", 1)
    for n in range(30):
        await register(ctx, office, title=f"Usulan {n}")
    real = Layout.row

    def too_long(self: Layout, case: Any, spec: Any) -> dict[str, Any]:
        row = real(self, case, spec)
        if case.title == "Usulan 0":
            row[self.headers[3]] = "x" * 33_000
        return row

    monkeypatch.setattr(Layout, "row", too_long)
    with pytest.raises(Exception, match="32,767"):
        await write_register(ctx, io.BytesIO())


async def test_the_collector_runs_less_often_while_reading_and_as_before_after(
    ctx: Context, office: Office
) -> None:
    await register(ctx, office)
    before = gc.get_threshold()
    seen = []
    async for _ in cases_module.cases(ctx):
        seen.append(gc.get_threshold())
    assert seen == [cases_module._READING_THRESHOLD]
    assert gc.get_threshold() == before
    # a read left early restores it too
    reading = cases_module.cases(ctx)
    await reading.__anext__()
    await reading.aclose()  # type: ignore[attr-defined]
    assert gc.get_threshold() == before
