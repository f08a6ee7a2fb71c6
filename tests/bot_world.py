"""The real bot against the emulator, over HTTP on loopback: an office of phones to drive it.

`World` starts the emulator and the PTB Application (long polling, the outbox sender, the
per-chat rate limiter — production code, pointed at the emulator by TELEGRAM_API_URL only),
registers the officials through invitation links as a person would, and offers the taps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.services.context import build_context
from demo.world import (
    AGENCY,
    TOKEN,
    Json,
    World,
    intake,
    kak_to_the_end,
    through_step_7,
    tkksd_attaches_both,
)
from emulator.client import EmulatorClient
from emulator.server import Emulator

__all__ = [
    "AGENCY",
    "Json",
    "World",
    "answer_to",
    "close_world",
    "intake",
    "kak_to_the_end",
    "make_world",
    "office_world",
    "through_step_7",
    "tkksd_attaches_both",
]


async def make_world(
    settings: Settings, tmp_path: Path, private_rate: float = 20.0, clock: Clock | None = None
) -> World:
    emulator = Emulator(token=TOKEN)  # the token the bot is given below
    url = await emulator.start()
    settings = settings.model_copy(
        update={
            "telegram_bot_token": _secret(TOKEN),
            "telegram_api_url": f"{url}/bot",
            "archive_dir": tmp_path / "arsip",
            "outbox_poll_seconds": 0.2,
            "private_chat_per_second": private_rate,
        }
    )
    ctx = build_context(settings, clock=clock)
    return World(emulator, EmulatorClient(url), ctx)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


async def close_world(world: World) -> None:
    await world.close()


@asynccontextmanager
async def office_world(
    settings: Settings, tmp_path: Path, clock: Clock | None = None
) -> AsyncIterator[World]:
    """The bot running against the emulator, with the seed SOP's office registered."""
    world = await make_world(settings, tmp_path, clock=clock)
    try:
        await world.start_bot()
        await world.register_office()
        yield world
    finally:
        await close_world(world)


async def answer_to(world: World, who: str, command: str, contains: str) -> Json:
    """The bot's answer to `command` typed by `who`: the first message since containing
    `contains` (a task message may still come in between)."""
    before = await world.tg.messages(world.uid(who))
    await world.say(who, command)
    found = await world.tg.wait(
        world.uid(who), since_message_id=before[-1]["message_id"], contains=contains, seconds=20
    )
    message: Json = found[0]
    return message
