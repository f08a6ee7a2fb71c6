"""The register (rekap, issue 14): the XLSX opened back with openpyxl — a sheet per SOP, one row
per case, its values and their types (dates are date-times, minutes are numbers), the frozen
header and the filter; through /rekap, only what the official may see; the CLI's refusals; and
`disposisi demo --keep` followed by `disposisi rekap` on the database it kept."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.clock import FrozenClock
from bot.records.cases import Period
from bot.records.rekap import Made, write_register
from bot.services.context import Context
from bot.services.officials import add_official, assign_role
from bot.services.proposals import register_proposal
from tests.conftest import Office
from tests.helpers import SOP, do, pdf, register, viewer

MAIL = "surat_masuk"
FORMULA = '=HYPERLINK("http://contoh.invalid","klik")'


async def _register(ctx: Context, **kwargs: Any) -> tuple[Made, dict[str, list[dict[str, Cell]]]]:
    """Write the register to memory; each sheet's rows as {header: cell}."""
    out = io.BytesIO()
    made = await write_register(ctx, out, **kwargs)
    return made, _rows(out.getvalue())


def _rows(content: bytes) -> dict[str, list[dict[str, Cell]]]:
    book = load_workbook(io.BytesIO(content))
    found = {}
    for sheet in book.worksheets:
        header, *rows = list(sheet.iter_rows())
        names = [c.value for c in header]
        found[sheet.title] = [dict(zip(names, row, strict=True)) for row in rows]
    return found


def _values(row: dict[str, Cell]) -> dict[str, Any]:
    return {name: cell.value for name, cell in row.items()}


async def test_one_row_per_case_with_its_steps_times_as_numbers_and_dates_as_dates(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    """Registered Mon 23 Nov 08:00 WIB; step 1 (5 menit) approved at 08:30: 30 working
    minutes, late; step 2 (5 menit) at 08:34: 4, within; step 3 (5 menit) open since, read at
    08:44: 10 so far, late. Another case registered at 08:44 waits in step 1."""
    spec = ctx.sops.get(SOP)
    first = await register(ctx, office, title=FORMULA + "\x07")
    clock.advance(minutes=30)
    await do(ctx, office, first.proposal_id, "karo")
    clock.advance(minutes=4)
    await do(ctx, office, first.proposal_id, "kabag_ks")
    clock.advance(minutes=10)
    second = await register(ctx, office, kind="FS", title="Dermaga wisata")

    made, sheets = await _register(ctx)
    assert (made.cases, made.restricted, made.sheets) == (2, 0, [SOP])
    assert list(sheets) == [SOP]  # only the SOPs that have cases
    one, two = sheets[SOP]
    row = _values(one)
    assert row["Nomor"] == first.number and _values(two)["Nomor"] == second.number
    assert row["Didaftarkan (WIB)"] == datetime(2026, 11, 23, 8, 0)  # the office's time
    assert one["Didaftarkan (WIB)"].is_date and one["Didaftarkan (WIB)"].number_format.startswith(
        "dd/mm/yyyy"
    )
    assert _values(two)["Didaftarkan (WIB)"] == datetime(2026, 11, 23, 8, 44)
    assert row["Selesai (WIB)"] is None
    # A title is text, never a formula, and loses the control character a sheet refuses.
    assert row["Judul"] == FORMULA and one["Judul"].data_type == "s"
    assert (
        row["Jenis"] == spec.kinds["KAK"].title and _values(two)["Jenis"] == spec.kinds["FS"].title
    )
    assert row["Pendaftar"] == "Pejabat pengadministrasi"
    step_3 = spec.step("kasubbag_persiapan")
    assert row["Langkah kini / hasil akhir"] == f"Langkah 3: {step_3.short_title}"
    assert row["Status"] == "Berjalan"
    assert row["1 · Pelaksana"] == "Pejabat karo" and row["1 · Waktu kerja (menit)"] == 30
    assert row["2 · Pelaksana"] == "Pejabat kabag_ks" and row["2 · Waktu kerja (menit)"] == 4
    assert row["3 · Pelaksana"] == f"menunggu: {', '.join(spec.actor_titles(step_3))}"
    assert row["3 · Waktu kerja (menit)"] == 10
    assert row["4 · Pelaksana"] is None and row["4 · Waktu kerja (menit)"] is None
    assert one["1 · Waktu kerja (menit)"].data_type == "n"
    assert row["Waktu kerja total (menit)"] == 44 and row["Standar SOP (menit)"] == 15
    assert (row["Sesuai standar"], row["Langkah lewat standar"]) == ("Tidak", "1, 3")
    usulan = spec.documents[spec.intake.document or ""].title
    assert row["Dokumen"] == f"{usulan}: usulan.pdf"
    assert "Terbatas (klasifikasi)" not in row  # the seed has no klasifikasi
    assert [f"{n} · Waktu kerja (menit)" in row for n in range(1, 12)] == [True] * 11


async def test_the_sheet_has_a_frozen_header_a_filter_and_widths(
    ctx: Context, office: Office
) -> None:
    await register(ctx, office)
    await register(ctx, office)
    out = io.BytesIO()
    await write_register(ctx, out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))[SOP]
    assert isinstance(sheet, Worksheet)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}3"
    assert sheet.cell(1, 1).font.bold
    titles = next(c.column_letter for c in sheet[1] if c.value == "Judul")
    assert sheet.column_dimensions[titles].width > sheet.column_dimensions["A"].width


@pytest.fixture
async def mail(ctx: Context) -> dict[str, int]:
    """The incoming-letters SOP's people: the agendaris and a head of division."""
    people = {}
    for chat, role in enumerate(("agendaris", "kabid"), start=900):
        people[role] = await add_official(ctx, name=role.title(), telegram_user_id=chat)
        await assign_role(ctx, official_id=people[role], role=role)
    return people


async def _letter(ctx: Context, people: dict[str, int], classification: str) -> str:
    reg = await register_proposal(
        ctx,
        by=people["agendaris"],
        sop_code=MAIL,
        title="Undangan rapat koordinasi",
        origin="Dinas Kominfo",
        document=pdf("undangan.pdf"),
        fields={
            "nomor_surat": "005/77/2026",
            "tanggal_surat": "2026-12-01",
            "tujuan": {"id": people["kabid"], "name": "Kabid", "role": "kabid"},
            "urgency": "segera",
            "classification": classification,
        },
    )
    return reg.number


async def test_a_sheet_per_sop_with_its_own_fields_and_a_restricted_case_said(
    ctx: Context, office: Office, mail: dict[str, int]
) -> None:
    await register(ctx, office)
    secret = await _letter(ctx, mail, "rahasia")
    plain = await _letter(ctx, mail, "biasa")
    made, sheets = await _register(ctx)
    assert list(sheets) == [SOP, MAIL] == made.sheets
    assert (made.cases, made.restricted) == (3, 1)
    first, second = sheets[MAIL]
    row = _values(first)
    assert row["Nomor"] == secret and _values(second)["Nomor"] == plain
    assert (row["Perihal"], row["Pengirim"]) == ("Undangan rapat koordinasi", "Dinas Kominfo")
    assert (
        row["Terbatas (klasifikasi)"] == "Ya"
        and _values(second)["Terbatas (klasifikasi)"] == "Tidak"
    )
    assert (row["Sifat"], row["Klasifikasi"]) == ("Segera", "Rahasia")
    assert row["Nomor surat"] == "005/77/2026" and row["Ditujukan kepada"] == "Kabid"
    assert row["Tanggal surat"] == datetime(2026, 12, 1) and first["Tanggal surat"].is_date
    assert "Lampiran" not in row  # a file field is among the documents, not a column
    assert "Jenis" not in row  # the SOP has no kinds of letter
    assert row["3 · Pelaksana"] == "menunggu: Kabid"  # the addressee; the SOP starts at 3


async def test_the_period_and_the_sop_choose_the_cases(
    ctx: Context, office: Office, mail: dict[str, int], clock: FrozenClock
) -> None:
    await register(ctx, office, title="Senin")
    clock.advance(timedelta(days=1))
    tuesday = clock.now()
    await register(ctx, office, title="Selasa")
    await _letter(ctx, mail, "biasa")
    made, sheets = await _register(ctx, sop_code=SOP, period=Period(start=tuesday))
    assert made.sheets == [SOP] and [_values(r)["Judul"] for r in sheets[SOP]] == ["Selasa"]


async def test_an_outsider_gets_no_case_and_the_empty_sheets(ctx: Context, office: Office) -> None:
    await register(ctx, office)
    outsider = await viewer(ctx, office["orang_lain"])
    made, sheets = await _register(ctx, viewer=outsider)
    assert (made.cases, made.sheets) == (0, [])
    assert sorted(sheets) == sorted({s.code for s in ctx.sops.all()})
    assert all(rows == [] for rows in sheets.values())  # headers only: the file still opens
    made, _ = await _register(ctx, viewer=await viewer(ctx, office["karo"]))
    assert made.cases == 1
