"""The morning digest: once per group per working day, at the opening, with what is open, who is
late and what finished; none on a day off; once even with two instances."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.engine import Decide
from bot.core.render import Renderer
from bot.runtime.jobs import OpeningTrigger
from bot.services import digest, groups, tasks
from bot.services.context import Context, build_context
from tests.conftest import WIB, Office
from tests.helpers import outbox, register, tkksd_ready

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


async def digests(ctx: Context) -> list[tuple[int, str]]:
    return [(m.chat_id, m.context["day"]) for m in await outbox(ctx) if m.template == "digest"]


async def test_the_digest_lists_open_steps_late_officials_and_what_finished(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await groups.subscribe(ctx, -100, "Tim Kerja Sama")
    late = await register(ctx, office, title="Kerja sama air bersih")
    await register(ctx, office, title="Kerja sama wisata bahari")
    ended = await register(ctx, office, kind="FS", title="Tawaran jalan tol")
    tkksd = await tkksd_ready(ctx, office, ended.proposal_id)
    await tasks.act(ctx, tkksd.id, office["tkksd"], Decide("tidak_setuju", "Tidak sesuai RPJMD"))
    # The next morning: the two others were left on the Karo's desk all Monday.
    clock.set(wib("2026-11-24 07:30"))
    assert await digest.send_daily(ctx) == 1
    [(chat, day)] = await digests(ctx)
    assert (chat, day) == (-100, "2026-11-24")
    message = next(m for m in await outbox(ctx) if m.template == "digest")
    summary = message.context
    assert summary["open_total"] == 2
    assert [(s["number"], s["proposals"]) for s in summary["steps"]] == [
        (1, [late.number, "0002/KS/2026"])
    ]
    assert summary["overdue"] == [{"name": "Pejabat karo", "count": 2, "late_minutes": 475}]
    assert [f["number"] for f in summary["finished"]] == [ended.number]
    text = Renderer(WIB).render("digest", summary)
    assert "Selasa, 24 Nov 2026" in text and "7 jam 55 menit" in text
    assert "Selesai sejak Senin, 23 Nov 2026: 1" in text


async def test_once_a_day_and_never_on_a_day_off(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await groups.subscribe(ctx, -100, "Tim Kerja Sama")
    await register(ctx, office)
    assert await digest.send_daily(ctx) == 1  # Monday, in office hours
    assert await digest.send_daily(ctx) == 0  # a restart, a second tick: not again
    for closed in ("2026-11-28 08:00", "2026-12-25 08:00", "2026-11-24 06:00"):
        clock.set(wib(closed))  # a Saturday, Christmas Day, before opening
        assert await digest.send_daily(ctx) == 0
    clock.set(wib("2026-11-24 13:00"))  # a late start still sends Tuesday's, once
    assert await digest.send_daily(ctx) == 1
    assert [day for _, day in await digests(ctx)] == ["2026-11-23", "2026-11-24"]


async def test_a_group_with_nothing_to_report_gets_nothing(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await groups.subscribe(ctx, -100, "Tim Kerja Sama")
    assert await digest.send_daily(ctx) == 0
    assert await digests(ctx) == []
    await register(ctx, office)  # later the same morning, something to report
    assert await digest.send_daily(ctx) == 1


async def test_a_group_following_one_sop_hears_only_of_it(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await groups.subscribe(ctx, -100, "Tim Kerja Sama", sop_code="kerjasama_pihak_ketiga")
    await register(ctx, office)
    assert await digest.send_daily(ctx) == 1
    summary = next(m for m in await outbox(ctx) if m.template == "digest").context
    assert summary["several_sops"] is False and summary["steps"][0]["sop"] == "KS"


async def test_switched_off_by_setting(
    settings: Settings, clock: FrozenClock, office: Office, ctx: Context
) -> None:
    await groups.subscribe(ctx, -100, "Tim Kerja Sama")
    await register(ctx, office)
    quiet = build_context(settings.model_copy(update={"daily_digest": False}), clock=clock)
    try:
        assert await digest.send_daily(quiet) == 0
    finally:
        await quiet.close()


@BOTH
async def test_two_instances_at_the_opening_send_one_digest_per_group(
    settings: Settings, clock: FrozenClock, ctx: Context, office: Office
) -> None:
    for chat in (-100, -200, -300):
        await groups.subscribe(ctx, chat, f"Grup {chat}")
    await register(ctx, office)
    clock.set(wib("2026-11-24 07:30"))
    other = build_context(settings, clock=clock)
    try:
        results = await asyncio.gather(*(digest.send_daily(c) for c in (ctx, other, ctx, other)))
    finally:
        await other.close()
    assert sum(results) == 3
    assert sorted(await digests(ctx)) == [(c, "2026-11-24") for c in (-300, -200, -100)]


def test_the_digest_trigger_fires_at_each_opening_skipping_days_off(ctx: Context) -> None:
    trigger = OpeningTrigger(ctx.calendar)
    fired = []
    previous = None
    now = wib("2026-12-23 12:00")  # Wednesday before Christmas
    for _ in range(3):
        previous = trigger.get_next_fire_time(previous, now)
        assert previous is not None
        fired.append(previous.astimezone(WIB))
        now = previous
    assert [f"{f:%a %d %H:%M}" for f in fired] == ["Mon 28 07:30", "Tue 29 07:30", "Wed 30 07:30"]
    # Started at the very moment of an opening, it fires then, not a day later.
    opening = wib("2026-11-23 07:30")
    assert trigger.get_next_fire_time(None, opening) == opening
