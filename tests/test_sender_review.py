"""What a review of the lanes found, each pinned: two instances claiming at once on
PostgreSQL, a lane that outlives its lease, a timeout that let the next row overtake, an older
edit retried over a newer one, a row that can never be composed, and the rate limiter's turn
held while a chat's own window was full."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter, TimedOut

from bot.core import windows
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.runtime import outbox_rows
from bot.runtime.outbox_rows import Originals, Queued
from bot.runtime.ratelimit import TelegramLimits
from bot.runtime.sender import MAX_ATTEMPTS, Sender
from bot.services.context import Context, build_context
from bot.services.uow import UnitOfWork
from models.outbox import FAILED, SENT
from tests.conftest import WIB
from tests.helpers import events, outbox


@dataclass
class Sent:
    message_id: int


@dataclass
class Bot:
    """Records what it sends and edits; `refuse` raises once for the text it names."""

    refuse: dict[str, Exception] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None  # when given, the first send waits for it

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        if self.gate is not None and not self.sent:
            await self.gate.wait()
        for word, error in list(self.refuse.items()):
            if word in text:
                del self.refuse[word]
                raise error
        self.sent.append(text)
        return Sent(len(self.sent))

    async def edit_message_text(self, text: str, **_: Any) -> None:
        await self.send_message(0, text)


async def _queue(ctx: Context, chat: int, texts: list[str], edit_of: int | None = None) -> None:
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        for text in texts:
            context = {"chat_id": 1, "template": text, "error": "-"}  # a template that shows it
            uow.send(chat, "send_failed", context, cause=cause, key=text, edit_of=edit_of)
        await uow.commit()


def _words(bot: Bot) -> list[str]:
    return [
        next(w for w in ("card", "one", "two", "three", "old", "new") if w in t) for t in bot.sent
    ]


async def test_a_timeout_holds_the_chats_later_rows(ctx: Context, clock: FrozenClock) -> None:
    await _queue(ctx, 2001, ["one", "two"])
    bot = Bot(refuse={"one": TimedOut()})
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    await sender.drain()
    assert bot.sent == []  # "two" waits for "one"
    clock.advance(timedelta(seconds=10))
    await sender.drain()
    await sender.drain()
    assert _words(bot) == ["one", "two"]


async def test_an_older_edit_retried_does_not_undo_a_newer_one(
    ctx: Context, clock: FrozenClock
) -> None:
    await _queue(ctx, 2001, ["card"])
    bot = Bot(refuse={"old": RetryAfter(timedelta(seconds=5))})
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    original = (await outbox(ctx))[0].id
    await _queue(ctx, 2001, ["old"], edit_of=original)
    await sender.drain()  # refused with a 429
    await _queue(ctx, 2001, ["new"], edit_of=original)
    await sender.drain()
    clock.advance(timedelta(seconds=6))
    await sender.drain()
    assert _words(bot)[1:] == ["new"]  # "old" came round again and was skipped
    assert {m.status for m in await outbox(ctx)} == {SENT, "superseded"}


async def test_a_lane_that_outlives_its_lease_gets_no_twin(
    ctx: Context, clock: FrozenClock
) -> None:
    await _queue(ctx, 2001, ["one", "two", "three"])
    gate = asyncio.Event()
    bot = Bot(gate=gate)
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    stop = asyncio.Event()
    wakeup = asyncio.Event()
    running = asyncio.create_task(sender.run(wakeup, idle_seconds=0.05, stop=stop))
    for _ in range(5):
        await asyncio.sleep(0.05)
    clock.advance(timedelta(seconds=61))  # the lane's lease has run out, the lane still runs
    for _ in range(5):
        wakeup.set()
        await asyncio.sleep(0.05)
    gate.set()
    for _ in range(10):
        await asyncio.sleep(0.05)
    stop.set()
    await running
    assert _words(bot) == ["one", "two", "three"]


async def test_a_row_that_can_never_be_composed_fails_in_the_end(
    ctx: Context, clock: FrozenClock
) -> None:
    async with UnitOfWork(ctx) as uow:
        uow.send(2001, "no_such_template", {}, cause=uow.record("test"), key="gone")
        await uow.commit()
    sender = Sender(ctx, Bot(), Renderer(WIB), lease=timedelta(seconds=1))  # type: ignore[arg-type]
    for _ in range(MAX_ATTEMPTS + 1):
        await sender.drain()
        clock.advance(timedelta(seconds=2))  # the lease brings it back
    assert [m.status for m in await outbox(ctx) if m.idempotency_key == "gone"] == [FAILED]
    assert [e.type for e in await events(ctx)].count("message_failed") == 1


async def test_the_turn_is_not_held_while_the_chats_own_window_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chat 1's request takes the turn and waits for the overall window; meanwhile an earlier
    request to chat 1 is answered and fills chat 1's window again. It gives up the turn, and
    chat 2's request, behind it, goes first."""
    clock = {"now": 1000.0}
    limits = TelegramLimits()
    own = limits._window(1)
    in_flight = [1000.0 - 1.2]  # taken 1.2 s ago, not answered yet
    own.take(in_flight[0])
    for _ in range(30):
        limits.overall.take(1000.0)  # this second is full

    async def sleep(seconds: float) -> None:
        clock["now"] += seconds
        if in_flight:  # the earlier request's answer comes now: counted from now
            own.settle(in_flight.pop(), clock["now"])
        await asyncio.sleep(0)

    monkeypatch.setattr(windows, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(windows, "sleep", sleep)
    order: list[int] = []

    async def one(chat: int) -> None:
        async def send() -> bool:
            order.append(chat)
            return True

        await limits.process_request(send, (), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(one(1), one(2))
    assert order == [2, 1]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_instances_claiming_at_once_never_split_a_chat(
    ctx: Context, settings: Settings, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        for n in range(2):
            for chat in (5001, 5002):
                uow.send(chat, "cancelled", {}, cause=cause, key=f"{chat}:{n}")
        await uow.commit()
    other = build_context(settings, clock=clock)
    first = Sender(ctx, None, Renderer(WIB), batch=2)  # type: ignore[arg-type]
    second = Sender(other, None, Renderer(WIB))  # type: ignore[arg-type]
    claimed, go_on, real = asyncio.Event(), asyncio.Event(), outbox_rows._originals

    async def late(connection: Any, rows: list[Queued]) -> Originals:  # the first commits late
        if not claimed.is_set():
            claimed.set()
            await go_on.wait()
        return await real(connection, rows)

    monkeypatch.setattr(outbox_rows, "_originals", late)
    try:
        a = asyncio.create_task(first.claim())
        await claimed.wait()
        b = asyncio.create_task(second.claim())
        await asyncio.sleep(0.5)  # the second claim has started, and waits its turn
        go_on.set()
        rows_a, rows_b = await a, await b
    finally:
        await other.close()
    assert {r.chat_id for r in rows_a} == {5001, 5002}
    assert not {r.chat_id for r in rows_a} & {r.chat_id for r in rows_b}
