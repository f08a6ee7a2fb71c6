"""End to end: a task left untouched is chased through the real bot and the emulator — the
reminders arrive in the holder's chat, the escalation in the superior's, and both can be acted
on with one tap. The bot's clock flows from Monday 08:00 and is moved forward by the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import ShiftedClock
from bot.core.config import Settings
from tests.bot_world import Json, World, intake, office_world
from tests.conftest import MONDAY_0800


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    fast = settings.model_copy(update={"nudge_sweep_seconds": 0.2})
    async with office_world(fast, tmp_path, clock=ShiftedClock(MONDAY_0800)) as w:
        yield w


async def test_an_ignored_task_is_chased_then_escalated_and_handled_from_the_messages(
    world: World,
) -> None:
    clock = world.ctx.clock
    assert isinstance(clock, ShiftedClock)
    number = await intake(world)
    await world.task("karo", number)
    karo, asisten = world.uid("karo"), world.uid("asisten1")

    clock.advance(minutes=6)  # past the 5-minute standard
    gentle = await world.tg.wait(karo, contains="Pengingat", seconds=10)
    assert number in gentle[-1]["text"] and "Standar SOP: 5 menit" in gentle[-1]["text"]

    clock.advance(minutes=60)
    firm = await world.tg.wait(karo, contains="Terlambat 1 jam", seconds=10)
    assert firm

    clock.advance(minutes=60)  # the third reminder: two were ignored
    escalation = (await world.tg.wait(asisten, contains="Perlu perhatian", seconds=10))[-1]
    assert "Pejabat karo" in escalation["text"] and number in escalation["text"]
    labels = [b["text"] for row in escalation["buttons"] for b in row]
    assert "✅ Setujui" not in labels and "📝 Catatan" in labels
    told = await world.tg.wait(karo, contains="Atasan telah diberi tahu", seconds=10)
    assert told

    # /tugas says how late, in working time; the group's card that it is late.
    await world.say("karo", "/tugas")
    mine = await world.latest("karo", "Tugas Anda")
    assert "⚠️" in mine["text"] and "lewat 2 jam" in mine["text"]
    card = await world.tg.wait(world.group or 0, edited_contains="⚠️ terlambat", seconds=10)
    assert number in card[-1]["text"]

    # The superior adds a note from the escalation message…
    await world.press("asisten1", escalation, "📝 Catatan")
    await world.latest("asisten1", "catatan")
    await world.say("asisten1", "Mohon diselesaikan hari ini")
    await world.latest("asisten1", "Tersimpan")

    # …and the Karo approves straight from the last reminder.
    answer = await world.press("karo", told[-1], "✅ Setujui")
    assert "Tersimpan" in answer["text"]
    await world.task("kabag_ks", number)
    # Every reminder and the escalation lose their buttons: nothing stale is left to tap.
    for chat in (karo, asisten):
        assert await _no_live_buttons(world, chat, number)


def _live(message: Json, number: str) -> bool:
    return number in message["text"] and any(
        b["text"].startswith(("✅", "👥")) for row in message.get("buttons") or [] for b in row
    )


async def _no_live_buttons(world: World, chat: int, number: str) -> bool:
    """Wait (up to ~10 s) for the outbox to deliver the edits that close a task's messages."""
    for _ in range(100):
        if not any(_live(m, number) for m in await world.tg.messages(chat)):
            return True
        await asyncio.sleep(0.1)
    return False
