"""A step whose time standard is in working days ("1 hari kerja", "10 hari kerja - 17 hari
kerja"): its tasks fall due at the close of the N-th working day after receipt, and are reminded
only once that moment has passed, at the next opening (sops/README.md, "time")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.engine import Decide
from bot.core.render import Renderer
from bot.services import digest, groups, reminders, tasks
from bot.services.context import Context, build_context
from bot.services.proposals import Registered, register_proposal
from demo.run import _summary, as_json
from models.outbox import SEND
from tests.conftest import WIB
from tests.helpers import events, leave_office, open_tasks, outbox, pdf

LEAVE_SOP = Path(__file__).parent / "data" / "sop_cuti.yaml"
# Friday 27 November 2026, 15:50: inside Friday's hours (to 16:30); Monday 30 is a working day.
FRIDAY_1550 = datetime(2026, 11, 27, 15, 50, tzinfo=WIB)


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


@pytest.fixture
async def day_ctx(settings: Settings, tmp_path: Path) -> AsyncIterator[Context]:
    """The leave SOP with its two steps timed in days, on a clock at Friday 15:50."""
    sops = tmp_path / "sops"
    sops.mkdir()
    text = LEAVE_SOP.read_text(encoding="utf-8")
    first, second = "    time: 1 menit\n", "    time: 10 hari kerja - 17 hari kerja\n"
    assert text.count(first) == 2
    text = text.replace(first, "    time: 1 hari kerja\n", 1).replace(first, second, 1)
    (sops / "cuti.yaml").write_text(text, encoding="utf-8")
    local = settings.model_copy(update={"sop_dir": sops})
    context = build_context(local, clock=FrozenClock(FRIDAY_1550))
    yield context
    await context.close()


async def _register(ctx: Context, people: dict[str, int]) -> Registered:
    return await register_proposal(
        ctx,
        by=people["pegawai"],
        sop_code="cuti_pegawai",
        title="Cuti tahunan",
        origin="Pegawai Bidang A",
        agency_unit="Bidang A",
        document=pdf("formulir.pdf"),
    )


async def _reminded(ctx: Context) -> list[str]:
    return [m.template for m in await outbox(ctx) if m.kind == SEND and m.template == "task_nudge"]


async def test_one_working_day_from_friday_afternoon_is_due_monday_at_closing(
    day_ctx: Context,
) -> None:
    ctx = day_ctx
    proposal_id = (await _register(ctx, await leave_office(ctx))).proposal_id
    task = (await open_tasks(ctx, proposal_id))["atasan"]
    assert task.target_due_at == wib("2026-11-30 16:00")  # Monday's close, not Saturday's
    assert task.limit_due_at is None
    assert task.next_reminder_at == task.target_due_at
    started = [e for e in await events(ctx, proposal_id) if e.type == "task_started"]
    assert started[0].payload["target_days"] == 1
    assert started[0].payload["time_assumed"] is False


async def test_a_day_standard_is_reminded_only_after_its_due_moment(day_ctx: Context) -> None:
    ctx = day_ctx
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    await _register(ctx, await leave_office(ctx))
    # Every ten minutes from Friday 15:50 to Monday's close: nothing is due yet.
    while clock.now() < wib("2026-11-30 16:00"):
        clock.advance(timedelta(minutes=10))
        await reminders.sweep(ctx)
    assert await _reminded(ctx) == []
    # Monday 16:00 is the closing: the sweep sends nothing out of hours; Tuesday's opening does.
    clock.set(wib("2026-12-01 07:29"))
    assert await reminders.sweep(ctx) == 0
    clock.set(wib("2026-12-01 07:30"))
    assert await reminders.sweep(ctx) == 1
    nudged = [e.payload for e in await events(ctx) if e.type == "task_nudged"]
    assert [(n["level"], n["late_minutes"]) for n in nudged] == [("gentle", 0)]


async def test_a_day_range_sets_the_target_and_the_limit(day_ctx: Context) -> None:
    ctx = day_ctx
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    people = await leave_office(ctx)
    proposal_id = (await _register(ctx, people)).proposal_id
    first = (await open_tasks(ctx, proposal_id))["atasan"]
    clock.set(wib("2026-12-21 10:00"))  # Monday, before the year-end holidays
    await tasks.act(ctx, first.id, people["atasan"], Decide("setuju"))
    issue = (await open_tasks(ctx, proposal_id))["kepegawaian"]
    # 10 working days: the Christmas cuti bersama, New Year and Isra Mikraj are skipped.
    assert issue.target_due_at == wib("2027-01-08 16:30")
    assert issue.limit_due_at == wib("2027-01-19 16:00")
    # Reminded gently after the target, then firmly once the limit has passed.
    clock.set(wib("2027-01-11 07:30"))
    await reminders.sweep(ctx)
    clock.set(wib("2027-01-20 07:30"))
    await reminders.sweep(ctx)
    nudged = [e.payload for e in await events(ctx, proposal_id) if e.type == "task_nudged"]
    assert [n["level"] for n in nudged] == ["gentle", "firm"]
    # How late is said in working time: from the limit's close to Wednesday's opening, none.
    assert nudged[0]["late_minutes"] == 0


@pytest.mark.parametrize(
    ("done", "within", "mark"),
    [("2026-11-30 15:59", True, "✓"), ("2026-12-01 07:31", False, "⚠️ lewat standar")],
)
async def test_the_demo_summary_measures_a_day_standard_by_its_due_moment(
    day_ctx: Context, done: str, within: bool, mark: str
) -> None:
    ctx = day_ctx
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    people = await leave_office(ctx)
    reg = await _register(ctx, people)
    first = (await open_tasks(ctx, reg.proposal_id))["atasan"]
    clock.set(wib(done))  # Monday before closing, or Tuesday one minute after opening
    await tasks.act(ctx, first.id, people["atasan"], Decide("setuju"))
    result = await _summary(ctx, "x", "x", reg.number, [])
    result.messages = {"sendMessage": 0, "editMessageText": 0, "sendDocument": 0}
    step = result.steps[0]
    assert (step.standard_words, step.standard_days, step.standard_minutes) == (
        "1 hari kerja",
        1,
        0,
    )
    assert step.within is within
    text = Renderer(ctx.settings.zone, html=False).render("demo_summary", as_json(result))
    row = next(line for line in text.splitlines() if line.startswith(" 1  "))
    assert "1 hari kerja" in row and row.endswith(mark)
    assert "standar 18 hari kerja" in text  # 1, and step 2's range counts with its limit


async def test_the_morning_digest_counts_a_task_due_at_yesterdays_close_as_late(
    day_ctx: Context,
) -> None:
    ctx = day_ctx
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    await groups.subscribe(ctx, -100, "Tim Cuti", "cuti_pegawai")
    await _register(ctx, await leave_office(ctx))
    digests = []
    for morning in ("2026-11-30 07:30", "2026-12-01 07:30"):  # Monday, then Tuesday
        clock.set(wib(morning))
        assert await digest.send_daily(ctx) == 1
        digests = [m.context for m in await outbox(ctx) if m.template == "digest"]
    monday, tuesday = digests
    assert monday["overdue"] == []  # due at Monday's close: not late on Monday morning
    # Due at Monday's close, so late at Tuesday's opening, though no working minute has run.
    assert tuesday["overdue"] == [{"name": "Atasan", "count": 1, "late_minutes": 0}]
    text = Renderer(ctx.settings.zone).render("digest", tuesday)
    assert "Atasan: 1 tugas, lewat batas sejak kantor tutup" in text


def test_a_task_due_at_closing_is_late_in_tugas_at_the_next_opening() -> None:
    """At the opening after a day standard fell due no working minute has run, yet the task is
    late: /tugas and /status say so, and do not say "lewat 0 menit"."""
    from types import SimpleNamespace

    from bot.core.render import Renderer
    from tests.conftest import WIB

    due = "2026-12-07T09:00:00+00:00"
    task = SimpleNamespace(
        number="0001/PPID/2026", title="Data anggaran", target_due_at=due, via="assignee"
    )
    text = Renderer(WIB).render("my_tasks", {"tasks": [(task, 0, True)], "total": 1})
    assert "⚠️" in text and "lewat batas sejak kantor tutup" in text and "0 menit" not in text
    on_time = Renderer(WIB).render("my_tasks", {"tasks": [(task, 0, False)], "total": 1})
    assert "⚠️" not in on_time and "lewat" not in on_time
