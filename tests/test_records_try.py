"""The office's records tried as an adversary would (issue 14): the register, the compliance
report, the disposition sheet and /cek, given what an official can type or be named, and what an
operator can type at the console. Each test is a defect found and fixed; what held is in the
tests beside it (test_records_*.py, test_bot_lembar.py, test_bot_laporan.py)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.core.config import Settings
from bot.records import laporan_file
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from bot.tools.cli import main
from models import Official
from tests.bot_world import World, office_world
from tests.conftest import Office
from tests.helpers import issued, register, to_step

# -- the compliance report's workbook: an official's name is theirs to choose ----------------


async def _named(ctx: Context, office: Office, role: str, name: str) -> None:
    """The official of `role` named `name`, as their Telegram name would make them at /start."""
    async with UnitOfWork(ctx) as uow:
        await uow.session.execute(
            update(Official).where(Official.id == office[role]).values(name=name)
        )
        await uow.commit()


def _cells(content: bytes) -> list[tuple[str, object, str]]:
    book = load_workbook(io.BytesIO(content))
    return [
        (sheet.title, cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


async def test_an_officials_name_is_never_a_formula_in_the_report_workbook(
    ctx: Context, office: Office
) -> None:
    """Named '=HYPERLINK(...)' (a Telegram name is anything), the Karo was a live formula in
    the «Per pejabat» sheet: Excel showed a link to click where their name should be."""
    name = '=HYPERLINK("http://contoh.invalid/","Klik di sini")'
    await _named(ctx, office, "karo", name)
    registered = await register(ctx, office)
    await to_step(ctx, office, registered.proposal_id, "tkksd_bahas")
    made = await laporan_file.make(ctx, "xlsx", by=None)
    cells = _cells(made.content)
    assert [c for c in cells if c[2] == "f"] == []
    assert any(value == name and kind == "s" for _, value, kind in cells)


async def test_a_control_character_in_a_name_does_not_stop_the_report_workbook(
    ctx: Context, office: Office
) -> None:
    """A name with a control character (pasted, or a Telegram name) made openpyxl raise
    IllegalCharacterError: no workbook at all, a traceback at the console."""
    await _named(ctx, office, "karo", "Budi\x01\x0b Santoso")
    registered = await register(ctx, office)
    await to_step(ctx, office, registered.proposal_id, "tkksd_bahas")
    made = await laporan_file.make(ctx, "xlsx", by=None)
    assert any(value == "Budi Santoso" for _, value, _ in _cells(made.content))


# -- the console: dates at the calendar's ends, bytes that are not UTF-8 ---------------------


@pytest.mark.parametrize(
    "command",
    [
        ["rekap", "--to", "9999-12-31", "--out", "rekap.xlsx"],
        ["rekap", "--from", "0001-01-01", "--out", "rekap.xlsx"],
        ["laporan", "--to", "9999-12-31", "--out", "laporan.pdf"],
        ["laporan", "--from", "0001-01-01", "--out", "laporan.xlsx"],
    ],
)
def test_a_date_at_the_calendars_end_is_no_traceback(
    console: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--to 9999-12-31 ("up to whenever") overflowed the day after it; --from 0001-01-01 the
    office's zone turned to UTC: an OverflowError, exit 1, as for a bug. Every case lies within
    such a bound, so it bounds nothing."""
    assert main(command) == 0, capsys.readouterr().err
    assert "Traceback" not in capsys.readouterr().err
    assert (console / command[-1]).exists()


def test_a_number_that_is_not_utf8_is_no_case(
    console: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`disposisi lembar $'\\xff\\xfe'`: Python hands such bytes over as lone surrogates, which
    the database driver cannot encode: a traceback instead of "no such case"."""
    assert main(["lembar", "\udcff\udcfe", "--out", "lembar.pdf"]) == 2
    said = capsys.readouterr().err
    assert "Traceback" not in said and "Tidak ada pengajuan" in said
    assert not (console / "lembar.pdf").exists()


def test_a_code_that_is_not_utf8_is_refused_and_recorded(
    console: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`disposisi audit cek $'AB\\xffCD'`: the refusal's record could not be hashed (the audit
    chain digests UTF-8), a traceback; now refused as any code of the wrong shape, and recorded."""
    assert main(["audit", "cek", "AB\udcffCD"]) == 1
    said = capsys.readouterr().err
    assert "Traceback" not in said and "bukan kode lembar disposisi" in said


def test_a_report_that_cannot_be_written_is_not_recorded_as_issued(
    console: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out laporan.pdf` naming a folder: the report was made and recorded issued, then the
    write failed: the audit trail told of a report nobody received. Asked first, as `lembar`
    and `rekap` do."""
    (console / "laporan.pdf").mkdir()
    assert main(["laporan", "--out", "laporan.pdf"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert issued(database_url) == []


# -- Telegram: what an official types comes back cut short -----------------------------------


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def test_an_unknown_sop_code_of_4000_characters_is_still_answered(world: World) -> None:
    """/laporan echoed the code typed whole: a message of Telegram's 4,096 characters made an
    answer longer than Telegram takes, so the official was told nothing. Now what follows the
    command is refused as too long before it is read, with an example naming an SOP."""
    staf = world.uid("staf")
    typed = "x" * (4096 - len("/laporan "))
    await world.tg.send(staf, f"/laporan {typed}")
    [said] = await world.tg.wait(staf, contains="Terlalu panjang", seconds=10)
    assert "kerjasama_pihak_ketiga" in said["text"] and len(said["text"]) < 500


# -- what the sheet's font cannot write ------------------------------------------------------


async def test_an_emoji_in_a_title_shows_as_a_mark_on_the_sheet_and_the_report(
    ctx: Context, office: Office
) -> None:
    """A title "Festival ✅🚀" was printed "Festival " on the disposition sheet: DejaVu Sans has
    no emoji and fpdf2 left them out without a mark. Now each is a white square (□); a sign
    DejaVu has (❤) is printed; and Arabic is shaped, its letters joined, right to left."""
    from pypdf import PdfReader

    from bot.records import laporan_pdf, lembar
    from bot.records.laporan import report

    registered = await register(ctx, office, title="Festival ✅🚀 bahari ❤️ سلام")
    made = await lembar.issue(ctx, registered.number, viewer=None, by=None)
    shown = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(made.content)).pages)
    assert "Festival" in shown and "bahari" in shown
    assert "Festival \u25a1\u25a1 bahari ❤" in shown  # DejaVu has the heart
    assert "سلام" in shown  # shaped, in reading order (unshaped it came out "مالس")

    content = laporan_pdf.write(await report(ctx), ctx.settings.zone)
    assert PdfReader(io.BytesIO(content)).pages  # the report writes the same way
