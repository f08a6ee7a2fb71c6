"""Long text through the real bot and the emulator: an answer over its limit is refused in plain
Indonesian and the question stays open; a 4,096-character text stored before the limits is still
delivered, cut, to the colleague it was forwarded to, and /riwayat still answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.config import Settings
from bot.services import limits
from bot.services.queries import reading
from models import Event, OutboxMessage
from models.outbox import FAILED, PENDING
from tests.bot_world import World, close_world, intake, make_world

LONG = ("Mohon <segera> dicek & dilengkapi, ya. " * 120)[:4096]
STAFF = "Ani Staf Kerja Sama"  # the staff member World.register_office adds


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(settings, tmp_path)
    try:
        await w.start_bot()
        await w.register_office()
        yield w
    finally:
        await close_world(w)


async def test_a_title_too_long_is_refused_and_the_question_stays(world: World) -> None:
    who = "pengadministrasi"
    await world.say(who, "/usulan")
    await world.press(who, await world.latest(who, "Jenis usulan"), "KAK ")
    await world.latest(who, "judul usulan")
    await world.say(who, "J" * 301)
    refusal = await world.latest(who, "terlalu panjang")
    assert refusal["text"] == (
        "Judul terlalu panjang: 301 karakter, paling banyak 300. Persingkat lalu kirim lagi."
    )
    await world.say(who, "Kerja sama wisata bahari")
    await world.latest(who, "Asal usulan")  # the intake goes on from where it was


async def test_an_instruction_too_long_is_refused_and_a_shorter_one_is_taken(world: World) -> None:
    number = await intake(world)
    await world.press("karo", await world.task("karo", number), "👥 Teruskan")
    await world.press("karo", await world.latest("karo", "Teruskan kepada siapa"), STAFF)
    await world.latest("karo", "Tulis arahan")
    await world.say("karo", "A" * 1250)
    refusal = await world.latest("karo", "terlalu panjang")
    assert "1.250 karakter, paling banyak 1.000" in refusal["text"]
    await world.say("karo", "Mohon ditelaah")  # still awaited: the forward goes through
    task = await world.latest("staf", "Diteruskan kepada Anda")
    assert "Mohon ditelaah" in task["text"]


async def test_a_4096_character_instruction_stored_before_the_limits_is_delivered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "LIMITS", dict.fromkeys(limits.LIMITS, 100_000))
    number = await intake(world)
    await world.press("karo", await world.task("karo", number), "👥 Teruskan")
    await world.press("karo", await world.latest("karo", "Teruskan kepada siapa"), STAFF)
    await world.latest("karo", "Tulis arahan")
    await world.say("karo", LONG)
    task = await world.latest("staf", "Diteruskan kepada Anda")
    assert "Mohon <segera> dicek & dilengkapi" in task["text"]
    assert task["text"].endswith("…(dipotong)")
    assert any(b["text"].startswith("✅") for row in task["buttons"] for b in row)
    await world.say("karo", f"/riwayat {number}")
    history = await world.latest("karo", f"Riwayat {number}")
    assert "meneruskan: Mohon <segera>" in history["text"]
    async with reading(world.ctx) as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert FAILED not in statuses, "a message failed"
    assert statuses - {PENDING}  # something was sent (and what is pending is just late)


async def test_a_search_too_long_is_refused_and_recorded(world: World) -> None:
    await world.say("karo", "/cari " + "wisata " * 580)  # a pasted page: 4,059 characters
    refusal = await world.latest("karo", "terlalu panjang")
    assert refusal["text"].startswith("Kata pencarian terlalu panjang: 4.059 karakter")
    async with reading(world.ctx) as session:
        refused = list(
            await session.scalars(select(Event.payload).where(Event.type == "input_refused"))
        )
    assert {"code": "too_long", "field": "search", "length": 4059, "limit": 200} in refused
