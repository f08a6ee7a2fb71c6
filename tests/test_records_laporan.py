"""The SOP compliance report (laporan monev SOP, issue 14): its figures against two cases of
the seed computed by hand, then the PDF's text and the workbook's cells and charts.

Case A is registered Monday 23 Nov 08:00 (the office opens 07:30). Step 1 (5 menit) is done
at 08:03 (3 min), step 2 (5 menit) at 08:10 (7: late), step 3 (5 menit) at 08:12 (2). At step 4
(60 menit) the first analyst tries to approve at 08:20 without the review (refused: a document
missing), then does at 08:30 (18); the second at 09:30 (78: late, and the step with it). Step
5 (30 menit) is open from 09:30. Case B is registered at 09:30; step 1 done at 09:40 (10: late),
step 2 open from 09:40, reminded once at 09:46 (the Head of Division). The report is made at
09:46: step 5 of A has run 16 minutes (within), step 2 of B 6 (already late)."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from bot.core.clock import FrozenClock
from bot.core.paths import data_dir
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import Monitoring
from bot.records import laporan_file, laporan_pdf
from bot.records.cases import Period
from bot.records.laporan import Report, StepFigures, percentile, report
from bot.services import reminders, tasks
from bot.services.context import Context
from bot.services.errors import DocumentMissing
from models import Official
from tests.conftest import MONDAY_0800, Office
from tests.helpers import SOP, do, events, open_tasks, pdf, register, viewer


async def two_cases(ctx: Context, office: Office, clock: FrozenClock) -> tuple[int, int]:
    def at(hour: int, minute: int) -> None:
        clock.set(MONDAY_0800.replace(hour=hour, minute=minute))

    a = await register(ctx, office, title="Dermaga")
    at(8, 3)
    await do(ctx, office, a.proposal_id, "karo")
    at(8, 10)
    await do(ctx, office, a.proposal_id, "kabag_ks")
    at(8, 12)
    await do(ctx, office, a.proposal_id, "kasubbag_kss_ln")
    at(8, 20)
    with pytest.raises(DocumentMissing):
        await do(ctx, office, a.proposal_id, "analis_ls")
    at(8, 30)
    await do(ctx, office, a.proposal_id, "analis_ls", attach="hasil_telaah")
    at(9, 30)
    await do(ctx, office, a.proposal_id, "analis_pks", attach="hasil_telaah")
    b = await register(ctx, office, title="Pelabuhan")
    at(9, 40)
    await do(ctx, office, b.proposal_id, "karo")
    at(9, 46)
    assert await reminders.sweep(ctx) == 1
    return a.proposal_id, b.proposal_id


def steps(found: Report) -> dict[int, StepFigures]:
    [sop] = found.sops
    return {s.number: s for s in sop.ordered_steps}


def test_percentiles_are_nearest_rank() -> None:
    from collections import Counter

    assert percentile(Counter(), 0.5) is None
    assert percentile(Counter({3: 1, 10: 1}), 0.5) == 3
    assert percentile(Counter({3: 1, 10: 1}), 0.9) == 10
    ten = Counter(range(1, 11))
    assert (percentile(ten, 0.5), percentile(ten, 0.9)) == (5, 9)


async def test_the_figures_per_step_and_per_official(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    await two_cases(ctx, office, clock)
    found = await report(ctx, sop_code=SOP)
    [sop] = found.sops
    assert (sop.cases, sop.closed, sop.threshold) == (2, 0, 0.8)
    by = steps(found)
    one, two, three, four, five = by[1], by[2], by[3], by[4], by[5]
    assert (one.handled, one.within, one.median, one.p90, one.share) == (2, 1, 3, 10, 0.5)
    assert (two.handled, two.within, two.running, two.running_late, two.reminders) == (
        1,
        0,
        1,
        1,
        1,
    )
    assert (three.handled, three.within, three.median) == (1, 1, 2)
    assert (four.handled, four.within, four.median, four.missing_documents) == (1, 0, 78, 1)
    assert (five.handled, five.running, five.running_late) == (0, 1, 0)
    assert (one.good(0.8), three.good(0.8), five.good(0.8)) == (False, True, None)
    assert by[11].handled == by[11].running == 0
    people = {o.name: (o.tasks, o.late, o.reminders) for o in sop.ordered_officials}
    assert people == {
        "Pejabat karo": (2, 1, 0),
        "Pejabat kabag_ks": (1, 1, 1),  # late at A's step 2; reminded at B's
        "Pejabat kasubbag_kss_ln": (1, 0, 0),
        "Pejabat analis_ls": (1, 0, 0),  # 18 minutes: on time, though the step was late
        "Pejabat analis_pks": (1, 1, 0),
    }
    # All ended on Monday 23 Nov: one week, 2 of the 5 finished activations within (A's steps
    # 1 and 3; not A's 2 and 4, nor B's 1).
    assert not found.by_month
    [week] = sop.ordered_trend
    assert (week.start.isoformat(), week.handled, week.within) == ("2026-11-23", 5, 2)


async def test_the_period_and_the_viewer_bound_the_figures(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    _, b = await two_cases(ctx, office, clock)
    since_b = MONDAY_0800 + timedelta(hours=1)
    only_b = steps(await report(ctx, sop_code=SOP, period=Period(start=since_b)))
    assert (only_b[1].handled, only_b[1].median, only_b[4].handled) == (1, 10, 0)
    outsider = await viewer(ctx, office["staf"])
    assert (await report(ctx, viewer=outsider)).sops == []
    [nothing] = (await report(ctx, viewer=outsider, sop_code=SOP)).sops  # asked for: empty
    assert nothing.cases == 0 and all(s.handled == 0 for s in nothing.ordered_steps)
    assert b in {e.proposal_id for e in await events(ctx)}


def test_the_threshold_is_read_from_the_sop_file_and_is_not_content() -> None:
    path = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"
    written = path.read_text(encoding="utf-8")
    plain = load_sop_text(written)
    assert plain.monitoring.threshold == 0.8  # the default, for the files written before it
    given = load_sop_text(written + "\nmonitoring: {threshold: 0.5}\n")
    assert given.monitoring.threshold == 0.5
    assert given.fingerprint == plain.fingerprint  # a version in force may take it
    with pytest.raises(SopFileError, match=r"threshold 1\.5: tulis angka lebih dari 0"):
        load_sop_text(written + "\nmonitoring: {threshold: 1.5}\n")
    with pytest.raises(SopFileError, match="treshold"):
        load_sop_text(written + "\nmonitoring: {treshold: 0.5}\n")


async def test_a_step_is_judged_at_the_sop_s_threshold(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    await two_cases(ctx, office, clock)
    spec = ctx.sops.get(SOP)
    lower = dataclasses.replace(spec, monitoring=Monitoring(threshold=0.5))
    ctx.sops = SopRegistry.of([lower, *(s for s in ctx.sops.all() if s.code != SOP)])
    [sop] = (await report(ctx, sop_code=SOP)).sops
    assert sop.threshold == 0.5 and sop.steps["karo_terima_disposisi"].good(sop.threshold)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_the_pdf_holds_the_tables_and_the_monitoring_table(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    await two_cases(ctx, office, clock)
    content = (await laporan_file.make(ctx, "pdf", by=None)).content
    assert content.startswith(b"%PDF")
    shown = pdf_text(content)
    assert "Laporan Monitoring dan Evaluasi SOP" in shown
    assert "SOP Penerbitan Persetujuan Usulan Penawaran Kerja sama dengan Pihak ketiga" in shown
    assert "1. Kinerja per langkah" in shown and "2. Kinerja per pejabat" in shown
    assert "Tabel monitoring pelaksanaan SOP" in shown
    assert "1/2 (50 %)" in shown  # step 1's within-standard share
    assert "Berjalan baik" in shown and "Tidak berjalan baik" in shown
    assert "Belum dapat dinilai" in shown  # a step no case reached
    assert "1 dari 2 selesai dalam standar 5 menit (50 %; ambang 80 %)" in " ".join(shown.split())
    assert "percobaan pertama: 1 tugas" in " ".join(shown.split())
    assert "NIP." in shown and "Kepala Biro Pemerintahan" in " ".join(shown.split())
    [made] = [e for e in await events(ctx) if e.type == "record_issued"]
    assert made.payload["kind"] == "laporan" and made.payload["format"] == "pdf"
    assert made.payload["cases"] == 2 and made.actor_id is None


async def test_the_workbook_holds_the_figures_as_numbers_and_charts(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    await two_cases(ctx, office, clock)
    content = (await laporan_file.make(ctx, "xlsx", by=office["karo"])).content
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Per langkah", "Per pejabat", "Ketepatan waktu", "Monitoring"]
    sheet = book["Per langkah"]
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert rows[0][:5] == ("No", "Langkah", "Standar", "Standar (menit)", "Selesai")
    first = rows[1]
    assert first[0] == 1 and first[2] == "5 menit" and first[3] == 5
    assert (first[4], first[5], first[6], first[7], first[8]) == (2, 3, 10, 1, 0.5)
    assert rows[4][11] == 1  # step 4: a document missing at the first try
    assert len(sheet._charts) == 1 and len(book["Ketepatan waktu"]._charts) == 1
    assert sheet.auto_filter.ref == f"A6:M{sheet.max_row}"  # each table filters, as the others
    assert book["Ketepatan waktu"].cell(7, 1).number_format == "dd/mm/yyyy"  # as the register
    trend = list(book["Ketepatan waktu"].iter_rows(min_row=7, values_only=True))
    assert trend[0][0].date().isoformat() == "2026-11-23" and trend[0][1:] == (5, 2, 0.4)
    monitoring = list(book["Monitoring"].iter_rows(min_row=7, max_row=17, values_only=True))
    assert monitoring[0][2] == "Tidak berjalan baik" and monitoring[2][2] == "Berjalan baik"
    assert monitoring[0][4] is None  # the action, for the unit head to write
    people = list(book["Per pejabat"].iter_rows(min_row=7, values_only=True))
    assert ("Pejabat kabag_ks", 1, 1, 1) in people
    [made] = [e for e in await events(ctx) if e.type == "record_issued"]
    assert made.payload["format"] == "xlsx" and made.actor_id == office["karo"]


async def test_a_report_with_no_case_is_still_a_document(ctx: Context) -> None:
    found = await report(ctx, sop_code=SOP)
    shown = pdf_text(laporan_pdf.write(found, ctx.settings.zone))
    assert "Tidak ada kasus SOP ini dalam periode." in shown
    assert "Belum dapat dinilai" in shown


async def test_a_document_refused_at_the_first_try_is_counted_once_per_task(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    for role in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await do(ctx, office, reg.proposal_id, role)
    task = (await open_tasks(ctx, reg.proposal_id))["analis_ls"]
    for _ in range(2):  # tried twice before attaching: still one task short of its document
        with pytest.raises(DocumentMissing):
            await do(ctx, office, reg.proposal_id, "analis_ls")
    await tasks.attach_document(ctx, task.id, office["analis_ls"], "hasil_telaah", pdf())
    assert steps(await report(ctx, sop_code=SOP))[4].missing_documents == 1


async def test_two_officials_of_one_name_are_two_rows(ctx: Context, office: Office) -> None:
    """Both analysts are called Siti Aminah (a common name): each has her own row, her own task."""
    async with ctx.sessions() as session, session.begin():
        for role in ("analis_ls", "analis_pks"):
            await session.execute(
                update(Official).where(Official.id == office[role]).values(name="Siti Aminah")
            )
    reg = await register(ctx, office)
    for role in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await do(ctx, office, reg.proposal_id, role)
    for role in ("analis_ls", "analis_pks"):
        await do(ctx, office, reg.proposal_id, role, attach="hasil_telaah")
    [sop] = (await report(ctx)).sops
    same = [o for o in sop.ordered_officials if o.name == "Siti Aminah"]
    assert [o.tasks for o in same] == [1, 1]
