"""The sender keeps Telegram busy: each chat is a lane of its own, a claim is made again as soon
as a lane ends (not when a batch's slowest chat is done), and a claim serves many chats before
any chat's second message, the longest queues first, so a burst does not end in a tail of a
few long queues at one message a second."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.core.render import Renderer
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from tests.conftest import WIB


@dataclass
class Sent:
    message_id: int


@dataclass
class StuckBot:
    """Holds every message to `stuck` until `release` is set; sends the rest at once."""

    stuck: int
    release: asyncio.Event = field(default_factory=asyncio.Event)
    sent: list[int] = field(default_factory=list)  # chat of each message, in order
    six_sent: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        if chat_id == self.stuck:
            await self.release.wait()
        self.sent.append(chat_id)
        if len(self.sent) == 6:
            self.six_sent.set()
        return Sent(len(self.sent))


async def _queue(ctx: Context, rows: list[int]) -> None:
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        for n, chat in enumerate(rows):
            uow.send(chat, "cancelled", {}, cause=cause, key=f"{chat}:{n}")
        await uow.commit()


async def test_a_claim_serves_each_chat_once_before_any_twice_longest_queue_first(
    ctx: Context,
) -> None:
    await _queue(ctx, [3001, 3002, 3003, 3003, 3003, 3003])
    longest = await Sender(ctx, None, Renderer(WIB), batch=1).claim()  # type: ignore[arg-type]
    assert [row.chat_id for row in longest] == [3003]
    await _queue(ctx, [3004, 3004])
    rest = await Sender(ctx, None, Renderer(WIB), batch=3).claim()  # type: ignore[arg-type]
    assert [row.chat_id for row in rest] == [3001, 3002, 3004]  # one each, 3003 is in flight


async def test_a_chat_that_is_done_is_served_again_while_another_is_stuck(ctx: Context) -> None:
    stuck, free = 3001, 3002
    await _queue(ctx, [stuck, *[free] * 6])
    bot = StuckBot(stuck)
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(asyncio.Event(), idle_seconds=3600, stop=stop))
    try:
        async with asyncio.timeout(20):  # only so that a broken sender fails instead of hanging
            await bot.six_sent.wait()
        assert bot.sent == [free] * 6  # three claims' worth, the stuck chat still in flight
    finally:
        bot.release.set()
        stop.set()
        await running
    assert bot.sent == [free] * 6 + [stuck]
