"""A chat's messages arrive in the order they were queued, even when Telegram makes one wait:
the rows behind a held row wait with it (a 429, an edit whose original is not sent yet),
except behind a reminder held for office hours, which must not hold up a task at night."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from bot.core.clock import FrozenClock
from bot.core.render import Renderer
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from tests.conftest import WIB
from tests.helpers import outbox


@dataclass
class Sent:
    message_id: int


@dataclass
class FloodedBot:
    """Refuses the first message to `flooded` with a 429, then accepts everything."""

    flooded: int
    refused: bool = False
    sent: list[tuple[int, str]] = field(default_factory=list)  # (chat, text)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        if chat_id == self.flooded and not self.refused:
            self.refused = True
            raise RetryAfter(timedelta(seconds=5))
        self.sent.append((chat_id, text))
        return Sent(len(self.sent))


async def _queue(ctx: Context, chat_id: int, templates: list[str]) -> None:
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        for n, template in enumerate(templates):
            uow.send(chat_id, template, {"text": str(n)}, cause=cause, key=f"{chat_id}:{n}")
        await uow.commit()


async def test_the_rows_behind_a_429_wait_for_it(ctx: Context, clock: FrozenClock) -> None:
    person, other = 2001, 2002
    await _queue(ctx, person, ["cancelled"] * 3)
    await _queue(ctx, other, ["cancelled"])
    bot = FloodedBot(flooded=person)
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()  # the first is refused: the chat waits; the other chat is served
    await sender.drain()
    assert [chat for chat, _ in bot.sent] == [other]
    clock.advance(timedelta(seconds=6))
    await sender.drain()
    rows = [m for m in await outbox(ctx) if m.chat_id == person]
    in_order_sent = sorted(rows, key=lambda m: m.telegram_message_id or 0)
    assert [m.idempotency_key for m in in_order_sent] == [f"{person}:{n}" for n in range(3)]
    assert all(m.telegram_message_id for m in rows)


async def test_a_reminder_held_for_the_morning_does_not_hold_up_a_task(
    ctx: Context, clock: FrozenClock
) -> None:
    person = 2001
    clock.set(clock.now().replace(hour=20))  # Monday evening, after closing
    await _queue(ctx, person, ["task_nudge"])
    bot = FloodedBot(flooded=0)
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()  # the reminder waits for Tuesday's opening
    async with UnitOfWork(ctx) as uow:
        uow.send(person, "cancelled", {}, cause=uow.record("test"), key="later")
        await uow.commit()
    await sender.drain()
    assert [chat for chat, _ in bot.sent] == [person]
    rows = {m.idempotency_key: m for m in await outbox(ctx)}
    assert rows["later"].telegram_message_id == 1
    assert rows[f"{person}:0"].telegram_message_id is None


async def test_an_edit_waiting_for_a_reminder_held_for_the_morning_holds_nothing(
    ctx: Context, clock: FrozenClock
) -> None:
    """The task is closed at night: the edit of its reminder waits for the reminder, which
    waits for the morning; a new task for the same person must still go at once."""
    person = 2001
    clock.set(clock.now().replace(hour=20))
    await _queue(ctx, person, ["task_nudge"])
    bot = FloodedBot(flooded=0)
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    nudge = next(m for m in await outbox(ctx) if m.template == "task_nudge")
    async with UnitOfWork(ctx) as uow:
        uow.send(person, "cancelled", {}, cause=uow.record("test"), key="edit", edit_of=nudge.id)
        await uow.commit()
    await sender.drain()  # the edit is postponed until the reminder is sent
    async with UnitOfWork(ctx) as uow:
        uow.send(person, "cancelled", {}, cause=uow.record("test"), key="later")
        await uow.commit()
    await sender.drain()
    rows = {m.idempotency_key.split(":e")[0]: m for m in await outbox(ctx)}
    assert rows["later"].telegram_message_id == 1
    assert rows["edit"].sent_at is None and rows[f"{person}:0"].sent_at is None
