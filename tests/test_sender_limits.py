"""A group whose minute is full must not hold up everyone else: its messages go back to the
queue until there is room, in order, while private chats are served."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.core.clock import FrozenClock
from bot.core.render import Renderer
from bot.core.windows import monotonic
from bot.runtime.ratelimit import TelegramLimits
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models.outbox import PENDING, SENT
from tests.conftest import WIB
from tests.helpers import outbox


@dataclass
class Sent:
    message_id: int


@dataclass
class LimitedBot:
    rate_limiter: TelegramLimits
    sent: list[int] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        self.sent.append(chat_id)
        return Sent(len(self.sent))


async def test_a_full_group_waits_in_the_queue_not_in_the_batch(
    ctx: Context, clock: FrozenClock
) -> None:
    group, person = -100, 2001
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        for n in range(3):
            uow.send(group, "saved", {}, cause=cause, key=f"g{n}")
        uow.send(person, "saved", {}, cause=cause, key="p")
        await uow.commit()
    limits = TelegramLimits()
    window = limits._window(group)
    for _ in range(20):  # twenty messages to the group in the last second
        window.take(monotonic())
    bot = LimitedBot(limits)
    await Sender(ctx, bot, Renderer(WIB)).drain()  # type: ignore[arg-type]
    assert bot.sent == [person]
    rows = {m.idempotency_key: m for m in await outbox(ctx)}
    assert rows["p"].status == SENT
    held = [rows[f"g{n}"] for n in range(3)]
    assert {r.status for r in held} == {PENDING} and {r.attempts for r in held} == {0}
    assert {r.next_attempt_at for r in held} == {held[0].next_attempt_at}
    assert held[0].next_attempt_at > clock.now() + timedelta(seconds=55)
