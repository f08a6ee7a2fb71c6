"""Delivery under trouble: Telegram answering 5xx and 429, the bot stopped mid-burst, a webhook
delivering an update twice. Every message arrives, and arrives once."""

from __future__ import annotations

import asyncio
import hmac
import socket
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.core.config import Settings
from bot.services.documents import Upload
from bot.services.proposals import register_proposal
from bot.services.queries import official_by_telegram
from tests.bot_world import AGENCY, World, close_world, make_world

BURST = 6


async def _office(world: World) -> None:
    await world.start_bot()
    await world.register("pengadministrasi")
    await world.register("karo")
    await world.register("admin", name="Admin TI")


async def _burst(world: World, count: int) -> list[str]:
    """Register proposals through the services (as another instance would): the messages
    they cause wait in the outbox for the sender."""
    clerk = await official_by_telegram(world.ctx, world.uid("pengadministrasi"))
    assert clerk is not None
    numbers = []
    for i in range(count):
        done = await register_proposal(
            world.ctx,
            by=clerk.id,
            sop_code="kerjasama_pihak_ketiga",
            title=f"Usulan {i}",
            origin=AGENCY,
            kind="KAK",
            agency_unit=AGENCY,
            document=Upload("u.pdf", "application/pdf", b"%PDF-1.4 " + bytes([i])),
        )
        numbers.append(done.number)
    return numbers


async def _arrived(world: World, who: str, numbers: list[str]) -> Counter[str]:
    """How many task messages each proposal has in `who`'s chat, once all have arrived."""
    await world.tg.wait(world.uid(who), count=len(numbers) + 1, seconds=30)  # + the welcome
    texts = [m["text"] for m in await world.tg.messages(world.uid(who))]
    return Counter(n for n in numbers for t in texts if n in t and "Tugas baru" in t)


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(settings, tmp_path, private_rate=5.0)
    try:
        yield w
    finally:
        await close_world(w)


async def test_messages_arrive_once_through_5xx_and_429(world: World) -> None:
    await _office(world)
    await world.tg.fault("sendMessage", count=2, status=502)
    await world.tg.fault("sendMessage", count=1, status=500)
    await world.tg.fault("sendMessage", count=2, status=429, retry_after=1)
    numbers = await _burst(world, BURST)
    arrived = await _arrived(world, "karo", numbers)
    assert arrived == Counter({n: 1 for n in numbers})
    stats = await world.tg.stats()
    assert stats["faults_injected"] >= 5  # the faults did happen


async def test_a_restart_mid_burst_loses_and_repeats_nothing(world: World) -> None:
    await _office(world)
    numbers = await _burst(world, BURST)
    await world.tg.wait(world.uid("karo"), count=3, seconds=30)  # welcome + 2 tasks
    await world.stop_bot()
    shown = len(await world.tg.messages(world.uid("karo")))
    assert shown < BURST + 1, "the burst finished before the stop: nothing was tested"
    await world.start_bot()
    arrived = await _arrived(world, "karo", numbers)
    assert arrived == Counter({n: 1 for n in numbers})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_records_updates_and_handles_a_repeat_once(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import SecretStr

    compared: list[tuple[object, object]] = []
    constant_time = hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return constant_time(given, expected)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    port = _free_port()
    world = await make_world(settings, tmp_path)
    world.ctx.settings = world.ctx.settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
            "webhook_listen": f"127.0.0.1:{port}",
            "webhook_secret": SecretStr("rahasia-webhook"),
        }
    )
    try:
        await world.start_bot()
        karo = await world.register("karo")  # /start arrives by webhook push
        sent = await world.tg.send(karo, "/bantuan")
        await world.latest("karo", "/tugas")
        updates = (await world.tg.updates())["updates"]
        repeat = next(u for u in updates if u["update_id"] == sent["update_id"])
        hook = f"http://127.0.0.1:{port}/telegram/hook"
        async with aiohttp.ClientSession() as http:
            headers = {"X-Telegram-Bot-Api-Secret-Token": "rahasia-webhook"}
            async with http.post(hook, json=repeat, headers=headers) as answer:
                assert answer.status == 200  # acknowledged, and not handled again
            async with http.post(hook, json=repeat, headers={}) as answer:
                assert answer.status == 403  # a push without the secret is refused
            for wrong in ("rahasia-webhooK", "rahasia-wébhook"):
                headers = {"X-Telegram-Bot-Api-Secret-Token": wrong}
                async with http.post(hook, json=repeat, headers=headers) as answer:
                    assert answer.status == 403  # refused, not a server error
        # Compared in constant time (hmac), never with `!=`: the timing tells nothing.
        assert (b"rahasia-webhooK", b"rahasia-webhook") in compared
        await world.tg.send(karo, "/tugas")
        await world.latest("karo", "Tidak ada tugas")
        helps = [m for m in await world.tg.messages(karo) if "/tugas —" in (m["text"] or "")]
        assert len(helps) == 1  # /bantuan answered once, though delivered twice
    finally:
        await close_world(world)


async def _statuses(world: World) -> dict[str, str]:
    from sqlalchemy import select

    from bot.services.queries import reading
    from models import OutboxMessage

    async with reading(world.ctx) as session:
        rows = (
            await session.execute(
                select(OutboxMessage.template, OutboxMessage.status, OutboxMessage.chat_id)
            )
        ).all()
    return {f"{t}:{c}": s for t, s, c in rows}


async def test_a_blocked_official_is_dead_and_a_refused_message_alerts_the_admins(
    world: World,
) -> None:
    await _office(world)
    karo = world.uid("karo")
    await world.tg.block(karo)
    await _burst(world, 1)
    key = f"task_assigned:{karo}"
    for _ in range(200):  # until the sender has settled the row (a condition, not a clock)
        if (await _statuses(world)).get(key) != "pending":
            break
        await asyncio.sleep(0.05)
    assert (await _statuses(world))[key] == "dead"  # blocked: never retried
    assert not [m for m in await world.tg.messages(world.uid("admin")) if "gagal" in m["text"]]

    await world.tg.block(karo, blocked=False)
    await world.tg.fault(
        "sendMessage", count=1, status=400, description="Bad Request: can't parse entities: test"
    )
    await _burst(world, 1)
    alert = await world.latest("admin", "Pesan gagal terkirim", seconds=20)
    assert "task_assigned" in alert["text"]
    assert "failed" in (await _statuses(world)).values()
