"""The compliance report sent by schedule (issue 14; `monitoring.schedule` and `monitoring.to`,
bot/records/jadwal.py): the seed SOP with a schedule, the clock walked over the turn of the
year. Friday 1 January 2027 is a holiday, then a weekend: Monday 4 January, from 07:30, is the
first working day. The case is registered on Tuesday 1 December 2026; the Heads of Bureau and
of Division (who oversee every case) see it, an analyst (who has no task on it yet) does not."""

from __future__ import annotations

import asyncio
import io
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from telegram.ext import ApplicationBuilder

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.paths import data_dir
from bot.core.render import Renderer
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.records import jadwal
from bot.runtime import jobs
from bot.runtime.types import CONTEXT_TYPES
from bot.services.context import Context, build_context
from models.outbox import DOCUMENT
from tests.conftest import WIB, Office
from tests.helpers import events, outbox, register

SEED = "kerjasama_pihak_ketiga.yaml"
TO = ("karo", "kabag_ks", "analis_ls")


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


def scheduled_sops(folder: Path, schedule: str) -> Path:
    """The shipped SOPs, the seed's with `monitoring: {schedule: …, to: [karo, kabag_ks,
    analis_ls]}` added (it is out of the fingerprint: the version already in force stays valid)."""
    shutil.copytree(data_dir("sops"), folder)
    seed = folder / SEED
    added = f"\nmonitoring: {{schedule: {schedule}, to: [{', '.join(TO)}]}}\n"
    seed.write_text(seed.read_text(encoding="utf-8") + added, encoding="utf-8")
    return folder


@pytest.fixture
def scheduling(settings: Settings, clock: FrozenClock, tmp_path: Path) -> Callable[[str], Settings]:
    def make(schedule: str) -> Settings:
        folder = scheduled_sops(tmp_path / f"sops-{schedule}", schedule)
        return settings.model_copy(update={"sop_dir": folder})

    return make


@pytest.fixture
async def monthly(
    scheduling: Callable[[str], Settings], clock: FrozenClock
) -> AsyncIterator[Context]:
    context = build_context(scheduling("bulanan"), clock=clock)
    yield context
    await context.close()


async def reports(ctx: Context) -> list[tuple[int, str, int]]:
    """The scheduled reports queued: (chat, period, cases)."""
    return [
        (m.chat_id, m.idempotency_key.split(":")[2], m.context["cases"])
        for m in await outbox(ctx)
        if m.template == jadwal.TEMPLATE
    ]


async def test_sent_once_on_the_first_working_day_of_the_month_to_each_holder(
    ctx: Context, monthly: Context, clock: FrozenClock, office: Office
) -> None:
    clock.set(wib("2026-12-01 08:00"))
    await register(ctx, office, title="Kerja sama pelabuhan")
    # Started late in December: November's report (no case) is caught up, once each.
    clock.set(wib("2026-12-31 15:00"))
    assert await jadwal.send_due(monthly) == 3
    assert await jadwal.send_due(monthly) == 0
    chats = [office.chats[role] for role in TO]
    assert await reports(ctx) == [(chat, "2026-11", 0) for chat in chats]
    # A holiday, a weekend, and Monday before the office opens: nothing yet.
    for closed in ("2027-01-01 09:00", "2027-01-02 09:00", "2027-01-03 09:00", "2027-01-04 07:00"):
        clock.set(wib(closed))
        assert await jadwal.send_due(monthly) == 0
    clock.set(wib("2027-01-04 07:30"))  # the opening of the first working day
    assert await jadwal.send_due(monthly) == 3
    december = [r for r in await reports(ctx) if r[1] == "2026-12"]
    # The Heads of Bureau and of Division oversee every case; the analyst has had no task on it.
    assert december == [
        (office.chats["karo"], "2026-12", 1),
        (office.chats["kabag_ks"], "2026-12", 1),
        (office.chats["analis_ls"], "2026-12", 0),
    ]
    # A second tick, a restart, later days of the month: not again.
    assert await jadwal.send_due(monthly) == 0
    clock.set(wib("2027-01-06 10:00"))
    restarted = build_context(monthly.settings, clock=clock)
    try:
        assert await jadwal.send_due(restarted) == 0
    finally:
        await restarted.close()
    assert len(await reports(ctx)) == 6
    issued = [e for e in await events(ctx) if e.type == "record_issued"]
    assert [(e.payload["period"], e.payload["to"], e.actor_id) for e in issued][3:] == [
        ("2026-12", office[role], None) for role in TO
    ]
    assert all(e.payload["scheduled"] is True for e in issued)
    assert {e.payload["kind"] for e in issued} == {"laporan"}


async def test_the_pdf_names_the_period_and_the_caption_the_sop(
    ctx: Context, monthly: Context, clock: FrozenClock, office: Office
) -> None:
    clock.set(wib("2026-12-01 08:00"))
    await register(ctx, office, title="Kerja sama pelabuhan")
    clock.set(wib("2027-01-04 09:00"))
    assert await jadwal.send_due(monthly) == 3
    row = next(
        m
        for m in await outbox(ctx)
        if m.template == jadwal.TEMPLATE and m.chat_id == office.chats["karo"]
    )
    assert row.kind == DOCUMENT
    assert row.context["file"]["name"] == "laporan-monev-kerjasama_pihak_ketiga-2026-12.pdf"
    content = monthly.archive.path_of(row.context["file"]["archive_path"]).read_bytes()
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Periode: 1 Desember 2026 s.d. 31 Desember 2026" in pdf
    assert "Pejabat karo" in pdf  # made as the Head of Bureau may see it
    caption = Renderer(WIB).render_caption(row.template, row.context)
    assert "Desember 2026" in caption and "bulanan" in caption
    assert "Periode Desember 2026: 1 kasus" in caption and "Pihak ketiga»" in caption


async def test_a_half_year_report_only_in_january_and_july(
    ctx: Context, scheduling: Callable[[str], Settings], clock: FrozenClock, office: Office
) -> None:
    half = build_context(scheduling("semester"), clock=clock)
    try:
        for moment in ("2026-11-30 09:00", "2026-12-01 08:00", "2027-02-01 08:00"):
            clock.set(wib(moment))
            assert await jadwal.send_due(half) == 0
        clock.set(wib("2027-01-04 07:30"))
        assert await jadwal.send_due(half) == 3
        clock.set(wib("2027-07-01 08:00"))
        assert await jadwal.send_due(half) == 3
        assert await jadwal.send_due(half) == 0
    finally:
        await half.close()
    periods = [(period, cases) for _, period, cases in await reports(ctx)]
    assert periods == [("2026-S2", 0)] * 3 + [("2027-S1", 0)] * 3
    captions = {m.context["period"] for m in await outbox(ctx) if m.template == jadwal.TEMPLATE}
    assert captions == {"Semester II 2026 (Juli–Desember)", "Semester I 2027 (Januari–Juni)"}


def test_the_period_due() -> None:
    assert jadwal.due("bulanan", date(2027, 1, 4)) == jadwal.Due(
        "bulanan", "2026-12", date(2026, 12, 1), date(2027, 1, 1)
    )
    assert jadwal.due("bulanan", date(2026, 3, 31)) == jadwal.Due(
        "bulanan", "2026-02", date(2026, 2, 1), date(2026, 3, 1)
    )
    assert jadwal.due("semester", date(2027, 7, 30)) == jadwal.Due(
        "semester", "2027-S1", date(2027, 1, 1), date(2027, 7, 1)
    )
    assert [jadwal.due("semester", date(2027, m, 1)) for m in (2, 6, 8, 12)] == [None] * 4


async def test_a_crash_before_a_commit_loses_nothing_and_doubles_nothing(
    ctx: Context, monthly: Context, clock: FrozenClock, office: Office, monkeypatch: Any
) -> None:
    clock.set(wib("2027-01-04 09:00"))
    real, calls = jadwal.issued_in, []

    def crash_on_the_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return real(*args, **kwargs)

    monkeypatch.setattr(jadwal, "issued_in", crash_on_the_second)
    with pytest.raises(RuntimeError):
        await jadwal.send_due(monthly)
    assert [chat for chat, _, _ in await reports(ctx)] == [office.chats["karo"]]
    monkeypatch.setattr(jadwal, "issued_in", real)
    assert await jadwal.send_due(monthly) == 2  # the two not yet queued, not the first again
    assert sorted(chat for chat, _, _ in await reports(ctx)) == sorted(
        office.chats[role] for role in TO
    )
    issued = [e for e in await events(ctx) if e.type == "record_issued"]
    assert sorted(e.payload["to"] for e in issued) == sorted(office[role] for role in TO)


async def test_two_instances_queue_each_report_once(
    ctx: Context, monthly: Context, clock: FrozenClock, office: Office
) -> None:
    clock.set(wib("2027-01-04 07:30"))
    other = build_context(monthly.settings, clock=clock)
    try:
        results = await asyncio.gather(jadwal.send_due(monthly), jadwal.send_due(other))
    finally:
        await other.close()
    assert sum(results) == 3
    assert len(await reports(ctx)) == 3
    assert len([e for e in await events(ctx) if e.type == "record_issued"]) == 3


async def test_no_schedule_sends_nothing(ctx: Context, clock: FrozenClock, office: Office) -> None:
    clock.set(wib("2027-01-04 09:00"))
    assert await jadwal.send_due(ctx) == 0  # the shipped SOPs schedule no report
    assert await reports(ctx) == []


async def test_the_bot_looks_at_each_opening_and_at_its_start(ctx: Context) -> None:
    application = ApplicationBuilder().token("1:x").context_types(CONTEXT_TYPES).build()
    jobs.schedule(application, ctx, reports=jadwal.send_due)
    assert application.job_queue is not None
    found = {job.name: job for job in application.job_queue.jobs()}
    assert found["reports"].data is jadwal.send_due
    assert isinstance(found["reports"].job.trigger, jobs.OpeningTrigger)
    assert found["reports-catch-up"].data is jadwal.send_due


SEED_TEXT = (data_dir("sops") / SEED).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("block", "line", "said"),
    [
        ("monitoring:\n  schedule: mingguan\n  to: [karo]\n", 2, "schedule 'mingguan'"),
        ("monitoring:\n  schedule: bulanan\n  to: [kro]\n", 3, "peran tidak dikenal 'kro'"),
        ("monitoring:\n  schedule: bulanan\n", 2, "schedule tanpa to"),
        ("monitoring:\n  to: [karo]\n", 2, "to tanpa schedule"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_file_and_line(block: str, line: int, said: str) -> None:
    first = SEED_TEXT.count("\n") + 1  # the line `monitoring:` is written on
    with pytest.raises(SopFileError) as refused:
        load_sop_text(SEED_TEXT + block, "sops/ks.yaml")
    [problem] = refused.value.problems
    assert problem.file == "sops/ks.yaml"
    assert problem.line == first + line - 1
    assert said in problem.message and problem.message.startswith("monitoring")


@pytest.mark.parametrize(
    ("written", "meant"),
    [("bulanan", "bulanan"), ("monthly", "bulanan"), ("Semester", "semester")],
)
def test_a_schedule_in_either_language_and_out_of_the_fingerprint(written: str, meant: str) -> None:
    spec = load_sop_text(SEED_TEXT + f"monitoring: {{schedule: {written}, to: [karo]}}\n")
    assert (spec.monitoring.schedule, spec.monitoring.to) == (meant, ("karo",))
    assert spec.fingerprint == load_sop_text(SEED_TEXT).fingerprint
