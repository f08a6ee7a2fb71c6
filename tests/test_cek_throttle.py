"""/cek KODE held back after too many wrong codes (bot/records/cek_throttle.py): five refused
within ten minutes, then no code is checked, not even a genuine one, and no event is recorded
per try (one when the hold starts) until the oldest refusal leaves the window; counted in the
database, so a restart or a second instance holds the official too; then the real bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import FrozenClock, ShiftedClock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.records import cek_throttle, lembar
from bot.records.cek_throttle import LIMIT, REFUSED, THROTTLED, WINDOW
from bot.services.context import Context, build_context
from bot.services.uow import UnitOfWork
from tests.bot_world import World, office_world
from tests.conftest import MONDAY_0800, Office
from tests.helpers import events, register

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _forged(n: int) -> str:
    """A well-formed code no sheet was issued with."""
    return lembar.derive(proposal_id=1, last_event_id=n, last_hash="palsu", salt=str(n))


async def _genuine(ctx: Context, office: Office) -> str:
    registered = await register(ctx, office)
    return (await lembar.issue(ctx, registered.number, viewer=None, by=None)).code


async def _types(ctx: Context) -> list[str]:
    return [e.type for e in await events(ctx) if e.type in (REFUSED, THROTTLED)]


async def _refuse_up_to_the_limit(ctx: Context, clock: FrozenClock, official: int) -> None:
    for n in range(LIMIT):
        clock.advance(minutes=1)
        refused = await lembar.check(ctx, _forged(n), viewer=None, by=official)
        assert refused.refused == "tidak_ada", n


@BOTH
async def test_held_after_five_wrong_codes_until_the_oldest_leaves_the_window(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    genuine, karo = await _genuine(ctx, office), office["karo"]
    start = clock.now()
    await _refuse_up_to_the_limit(ctx, clock, karo)  # at 08:01 … 08:05
    assert await _types(ctx) == [REFUSED] * LIMIT

    clock.advance(minutes=1)  # 08:06: the oldest leaves the window at 08:11
    held = await lembar.check(ctx, genuine, viewer=None, by=karo)
    assert (held.refused, held.wait_minutes, held.number) == ("ditahan", 5, None)  # not checked
    said = Renderer(ctx.settings.zone).render("cek", {"found": held})
    assert said == "⏳ Terlalu banyak kode yang salah. Coba lagi dalam 5 menit."
    for typed in ("SALAH", _forged(99), genuine):  # more tries: turned away, nothing recorded
        assert (await lembar.check(ctx, typed, viewer=None, by=karo)).refused == "ditahan"
    assert await _types(ctx) == [REFUSED] * LIMIT + [THROTTLED]
    [hold] = [e for e in await events(ctx) if e.type == THROTTLED]
    assert hold.actor_id == karo and hold.payload["refused"] == LIMIT
    # Per official: a colleague, and the operator at the console, are checked as usual.
    assert (await lembar.check(ctx, genuine, viewer=None, by=office["kabag_ks"])).ok
    assert (await lembar.check(ctx, genuine, viewer=None, by=None)).ok

    clock.set(start + timedelta(minutes=1) + WINDOW - timedelta(seconds=1))
    assert (await lembar.check(ctx, genuine, viewer=None, by=karo)).wait_minutes == 1
    clock.set(start + timedelta(minutes=1) + WINDOW)  # 08:11: four refusals left in the window
    assert (await lembar.check(ctx, genuine, viewer=None, by=karo)).ok
    # A window slides: one more wrong code is five again, and a new hold (recorded anew).
    assert (await lembar.check(ctx, _forged(7), viewer=None, by=karo)).refused == "tidak_ada"
    again = await lembar.check(ctx, genuine, viewer=None, by=karo)
    assert (again.refused, again.wait_minutes) == ("ditahan", 1)  # until 08:12
    assert await _types(ctx) == [REFUSED] * LIMIT + [THROTTLED, REFUSED, THROTTLED]


async def test_the_hold_survives_a_restart_and_holds_on_another_instance(
    settings: Settings, ctx: Context, office: Office, clock: FrozenClock
) -> None:
    karo = office["karo"]
    other = build_context(settings, clock=clock)  # a second instance on the same database
    try:
        for n, instance in enumerate([ctx, other, ctx, other, ctx]):
            clock.advance(minutes=1)
            assert (await lembar.check(instance, _forged(n), viewer=None, by=karo)).refused
    finally:
        await other.close()
    restarted = build_context(settings, clock=clock)
    try:
        held = await lembar.check(restarted, _forged(9), viewer=None, by=karo)
        assert held.refused == "ditahan"
    finally:
        await restarted.close()
    assert (await lembar.check(ctx, _forged(9), viewer=None, by=karo)).refused == "ditahan"
    assert await _types(ctx) == [REFUSED] * LIMIT + [THROTTLED]


@BOTH
async def test_two_tries_at_once_at_the_limit_record_one_refusal(
    settings: Settings,
    ctx: Context,
    office: Office,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two tries past the first look at four refusals (made to pass it here): the second waits
    for the first's unit to end (the official's row is locked before a refusal is recorded),
    then finds five and records only the hold."""
    karo = office["karo"]
    for n in range(LIMIT - 1):
        assert (await lembar.check(ctx, _forged(n), viewer=None, by=karo)).refused == "tidak_ada"

    async def not_yet(ctx: Context, official_id: int) -> None:
        return None

    monkeypatch.setattr(cek_throttle, "held", not_yet)
    other = build_context(settings, clock=clock)  # another instance
    try:
        async with UnitOfWork(ctx) as first:
            assert await cek_throttle.gate(first, karo) is None
            second = asyncio.create_task(lembar.check(other, _forged(11), viewer=None, by=karo))
            await asyncio.sleep(0.5)
            assert not second.done()  # waiting for the lock
            payload = {"kind": "lembar", "code": "X", "reason": "tidak_ada"}
            first.record(REFUSED, actor_id=karo, payload=payload)
            await first.commit()
        assert (await second).refused == "ditahan"
    finally:
        await other.close()
    assert await _types(ctx) == [REFUSED] * LIMIT + [THROTTLED]


# -- the real bot ----------------------------------------------------------------------------


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path, clock=ShiftedClock(MONDAY_0800)) as w:
        yield w


async def _answer(world: World, command: str, contains: str) -> dict[str, Any]:
    before = await world.tg.messages(world.uid("karo"))
    await world.say("karo", command)
    found = await world.tg.wait(
        world.uid("karo"), since_message_id=before[-1]["message_id"], contains=contains
    )
    message: dict[str, Any] = found[0]
    return message


async def test_cek_in_telegram_says_to_wait_after_five_wrong_codes(world: World) -> None:
    for n in range(LIMIT):
        await _answer(world, f"/cek {lembar.shown(_forged(n))}", "Pemeriksaan ini dicatat")
    said = await _answer(world, "/cek SALAH", "Terlalu banyak")
    assert said["text"] == "⏳ Terlalu banyak kode yang salah. Coba lagi dalam 10 menit."
    assert await _types(world.ctx) == [REFUSED] * LIMIT + [THROTTLED]
