"""The register (rekap, issue 14): the XLSX opened back with openpyxl — a sheet per SOP, one row
per case, its values and their types (dates are date-times, minutes are numbers), the frozen
header and the filter; through /rekap, only what the official may see; the CLI's refusals; and
`disposisi demo --keep` followed by `disposisi rekap` on the database it kept."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.records.cases import Period
from bot.records.rekap import Made, write_register
from bot.services.context import Context
from bot.services.officials import add_official, assign_role
from bot.services.proposals import register_proposal
from bot.tools.cli import main
from tests.bot_world import World, answer_to, intake, office_world
from tests.conftest import Office
from tests.helpers import SOP, do, events, pdf, register, viewer

MAIL = "surat_masuk"
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
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
        if sheet.title == ABOUT:
            continue  # what the register covers, not cases (test_the_last_sheet_says_...)
        header, *rows = list(sheet.iter_rows())
        names = [c.value for c in header]
        found[sheet.title] = [dict(zip(names, row, strict=True)) for row in rows]
    return found


ABOUT = "Tentang rekap"


def _values(row: dict[str, Cell]) -> dict[str, Any]:
    return {name: cell.value for name, cell in row.items()}


@BOTH
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
    assert (row["Semua langkah sesuai standar"], row["Langkah lewat standar"]) == ("Tidak", "1, 3")
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


@BOTH
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


# -- /rekap, the real bot against the emulator ------------------------------------------------


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def _rekap(world: World, who: str, contains: str, command: str = "/rekap") -> dict[str, Any]:
    return await answer_to(world, who, command, contains)


async def test_rekap_sends_the_officials_own_register_as_a_document(world: World) -> None:
    number = await intake(world)
    sent = await _rekap(world, "karo", "Rekap")
    day = world.ctx.clock.now().astimezone(world.ctx.settings.zone).date()
    assert sent["document"]["file_name"] == f"rekap-{day.isoformat()}.xlsx"
    assert "Rekap 1 usulan" in sent["text"]
    assert not sent["has_protected_content"]
    _, content = await world.tg.file(sent["document"]["file_id"])
    sheets = _rows(content)
    assert list(sheets) == [SOP] and [_values(r)["Nomor"] for r in sheets[SOP]] == [number]
    [made] = [e for e in await events(world.ctx) if e.type == "record_issued"]
    async with world.ctx.sessions() as session:
        from models import Official

        karo = await session.get(Official, made.actor_id)
    assert karo is not None and karo.telegram_user_id == world.uid("karo")
    assert made.payload == {
        "kind": "rekap",
        "sop": None,
        "start": None,  # every case: no period asked for
        "end": None,
        "cases": 1,
        "restricted": 0,
        "sha256": hashlib.sha256(content).hexdigest(),  # the very file received
    }


async def test_rekap_gives_an_outsider_nothing_and_names_an_unknown_sop(world: World) -> None:
    await intake(world)
    await world.register("agendaris", name="Orang Luar")  # of another SOP: sees no proposal
    said = await _rekap(world, "agendaris", "Belum ada")
    assert said["document"] is None
    assert not [m for m in await world.tg.messages(world.uid("agendaris")) if m["document"]]
    said = await _rekap(world, "karo", "«sop_tidak_ada» tidak ada", "/rekap sop_tidak_ada")
    assert said["document"] is None
    assert SOP in said["text"]
    assert not [e for e in await events(world.ctx) if e.type == "record_issued"]


# -- disposisi rekap, and disposisi demo --keep ------------------------------------------------


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """The CLI on the test's database, in a folder of its own (no stray .env)."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "SOP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            ["--from", "1 Desember"],
            "--from: bukan tanggal yang dikenal: '1 Desember' (contoh: 2026-12-01, 01/12/2026",
        ),
        (["--to", "2026-13-01"], "--to: bukan tanggal yang dikenal: '2026-13-01'"),
        (["--from", "2026-12-02", "--to", "2026-12-01"], "--from 2026-12-02 jatuh sesudah --to"),
        (["--sop", "kerjasma"], "--sop: SOP tidak dikenal: 'kerjasma' (SOP yang ada: "),
        (["--out", "rekap.pdf"], "--out rekap.pdf: rekap ditulis sebagai berkas Excel"),
        (["--out", "tidak/ada/rekap.xlsx"], "tidak dapat ditulis: folder tujuannya tidak ada"),
        (["--out", "folder.xlsx"], "tidak dapat ditulis: itu sebuah folder"),
        # /proc is there, yet takes no new file: not "folder tujuannya tidak ada"
        (["--out", "/proc/rekap.xlsx"], "tidak dapat ditulis: folder itu ada, tetapi tidak"),
    ],
)
def test_the_cli_refuses_what_it_cannot_do_in_one_line(
    console: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    given: list[str],
    said: str,
) -> None:
    (tmp_path / "folder.xlsx").mkdir()
    argv = ["rekap", *given] if "--out" in given else ["rekap", *given, "--out", "r.xlsx"]
    assert main(argv) == 2
    printed = capsys.readouterr()
    assert said in printed.err and len(printed.err.splitlines()) == 1, printed.err
    assert "Traceback" not in printed.err
    assert not (tmp_path / "r.xlsx").exists()
    assert not list(tmp_path.glob(".*.part"))


def test_the_cli_names_the_sops_it_knows(console: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rekap", "--sop", "x", "--out", "r.xlsx"]) == 2
    known = capsys.readouterr().err.split("SOP yang ada: ")[1].rstrip(")\n").split(", ")
    assert {SOP, MAIL} <= set(known)


def test_the_cli_writes_every_case_and_records_it_issued(
    console: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], office_cases: list[str]
) -> None:
    assert main(["rekap", "--from", "2026-11-23", "--to", "2026-11-23", "--out", "r.xlsx"]) == 0
    assert "Rekap ditulis ke r.xlsx: 2 pengajuan" in capsys.readouterr().out
    sheets = _rows((tmp_path / "r.xlsx").read_bytes())
    assert [_values(r)["Nomor"] for r in sheets[SOP]] == office_cases
    assert main(["rekap", "--from", "2026-11-24", "--out", "r.xlsx"]) == 0  # replaced whole
    assert all(rows == [] for rows in _rows((tmp_path / "r.xlsx").read_bytes()).values())
    with sqlite3.connect(console.removeprefix("sqlite:///")) as db:
        issued = [
            (actor, json.loads(payload))
            for actor, payload in db.execute(
                "SELECT actor_id, payload FROM events WHERE type = 'record_issued' ORDER BY id"
            )
        ]
    assert [actor for actor, _ in issued] == [None, None]
    assert issued[0][1]["cases"] == 2 and issued[0][1]["start"].startswith("2026-11-23T00:00")
    assert issued[0][1]["end"].startswith("2026-11-24T00:00") and issued[1][1]["cases"] == 0


@pytest.fixture
def office_cases(settings: Settings, clock: FrozenClock) -> list[str]:
    """Two cases of the seed, registered Monday 23 Nov 2026 (the test clock), on the test's
    database, written before the CLI reads it."""
    import asyncio

    from bot.services.context import build_context
    from tests.conftest import seed_office

    async def made() -> list[str]:
        ctx = build_context(settings, clock=clock)
        try:
            office = await seed_office(ctx)
            return [(await register(ctx, office)).number for _ in range(2)]
        finally:
            await ctx.close()

    return asyncio.run(made())


def test_demo_keep_then_rekap_on_the_kept_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "SOP_DIR"):
        monkeypatch.delenv(name, raising=False)
    start = ["--start", "2026-11-23 08:00"]
    assert main(["demo", "--json", "--keep", "demo.db", *start]) == 0
    played = json.loads(capsys.readouterr().out)
    assert main(["demo", "--keep", "demo.db", *start]) == 2  # never over a file
    assert "demo.db: berkas sudah ada" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "sqlite:///demo.db")
    assert main(["rekap", "--out", "r.xlsx"]) == 0
    [row] = _rows((tmp_path / "r.xlsx").read_bytes())[SOP]
    shown = _values(row)
    assert shown["Nomor"] == played["proposal"] and shown["Status"] == "Selesai"
    assert shown["Langkah kini / hasil akhir"] == played["outcome"]
    assert isinstance(shown["Selesai (WIB)"], datetime)
    by_number: dict[int, int] = {}
    for step in played["steps"]:  # the demo's summary and the register: the one measure
        by_number[step["number"]] = by_number.get(step["number"], 0) + step["took_minutes"]
    for number, minutes in by_number.items():
        assert shown[f"{number} · Waktu kerja (menit)"] == minutes
    assert shown["Waktu kerja total (menit)"] == sum(by_number.values())
    # the standard too: a range ("30-60 menit") counts its limit in both (the summary said 30)
    assert shown["Standar SOP (menit)"] == played["standard_minutes"]
    assert played["standard_minutes"] == sum(
        s["limit_minutes"] or s["standard_minutes"] for s in played["steps"]
    )
    assert any(s["limit_minutes"] for s in played["steps"])  # the seed has a range


async def test_the_last_sheet_says_what_the_register_covers(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    """A register is kept and passed on: its last sheet says whose it is, when it was made and in
    whose view, the period, each sheet's SOP and cases, so the file tells it, not its name."""
    await register(ctx, office)
    await register(ctx, office)
    out = io.BytesIO()
    zone = ctx.settings.zone
    period = Period.of_days(date(2026, 11, 1), date(2026, 11, 30), zone)
    karo = await viewer(ctx, office["karo"])
    await write_register(ctx, out, viewer=karo, period=period)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames[-1] == ABOUT and book.sheetnames[0] == SOP  # opens on the cases
    lines = [row[0] for row in book[ABOUT].iter_rows(values_only=True)]
    spec = ctx.sops.get(SOP)
    assert lines[0] == "Rekapitulasi kasus (daftar rekapitulasi)"
    assert lines[1] == spec.header.institution
    assert lines[2].startswith("Dibuat 23 November 2026 08:00") and "Pejabat karo" in lines[2]
    assert lines[3] == "Periode: 1 November 2026 s.d. 30 November 2026 (kasus yang didaftarkan)"
    assert lines[4] == f"Lembar {SOP}: {spec.header.name} — 2 kasus"
    assert lines[5] == "Jumlah kasus: 2, di antaranya terbatas (klasifikasi): 0"
