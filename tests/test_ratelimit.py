"""Telegram's limits as sliding windows, walked on a fake clock: a burst is held to the limit in
every window, and a request that waited for one limit is not counted early in another."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from bot.core import windows
from bot.core.windows import SlidingWindow
from bot.runtime.ratelimit import TelegramLimits


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(windows, "monotonic", fake.monotonic)
    monkeypatch.setattr(windows, "sleep", fake.sleep)
    return fake


def test_a_window_has_room_again_when_its_oldest_request_leaves_it() -> None:
    window = SlidingWindow(2, 1.0)
    window.take(0.0)
    window.take(0.1)
    assert window.wait(0.5) == pytest.approx(0.5)
    assert window.wait(1.0) == 0.0


async def test_no_second_holds_more_than_the_limit(clock: FakeTime) -> None:
    limits = TelegramLimits(overall_per_second=30)
    sent: list[float] = []

    async def send(*_: Any) -> bool:
        sent.append(clock.now)
        return True

    for n in range(200):  # to 100 private chats, two messages each
        await limits.process_request(send, (), {}, "sendMessage", {"chat_id": 1 + n % 100}, None)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 1.0) <= 30
    assert len(sent) / (sent[-1] - sent[0]) > 29  # and close to it: no time is wasted


async def test_a_private_chat_gets_one_a_second_measured_from_when_each_went(
    clock: FakeTime,
) -> None:
    limits = TelegramLimits(overall_per_second=2)
    sent: list[tuple[float, int]] = []

    async def send(*_: Any, chat: int = 0) -> bool:
        return True

    for chat in (6, 7, 5, 5):  # chat 5's first waits for a global slot; then chat 5 again
        await limits.process_request(send, (), {}, "sendMessage", {"chat_id": chat}, None)
        sent.append((clock.now, chat))
    times_for_5 = [t for t, chat in sent if chat == 5]
    assert times_for_5[1] - times_for_5[0] >= 1.0


async def test_a_group_gets_twenty_a_minute_and_updates_are_not_held(clock: FakeTime) -> None:
    limits = TelegramLimits()

    async def send(*_: Any) -> bool:
        return True

    start = clock.now
    for _ in range(21):
        await limits.process_request(send, (), {}, "sendMessage", {"chat_id": -100}, None)
    assert clock.now - start >= 60.0
    before = clock.now
    await limits.process_request(send, (), {}, "getUpdates", {}, None)
    assert clock.now == before


async def test_a_slow_request_is_counted_from_its_answer(clock: FakeTime) -> None:
    """Telegram saw a request somewhere between its start and its answer: the next message to
    the chat is spaced from the answer, so a slow first request cannot make the second arrive
    less than a second after it."""
    limits = TelegramLimits(overall_per_second=30)
    started: list[float] = []

    async def slow_send(*_: Any) -> bool:
        started.append(clock.now)
        clock.now += 0.4  # the request takes 0.4 s to come back
        return True

    for _ in range(2):
        await limits.process_request(slow_send, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert started[1] - (started[0] + 0.4) >= 1.0


class YieldingTime(FakeTime):
    """A fake clock whose sleep also lets the other waiters run, as the loop's does."""

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_requests_ready_to_go_take_the_overall_window_in_the_order_they_came(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Waiters that each poll for the next free moment go in no order: one may wait a minute
    while later ones go. Queued, they go first come, first served."""
    fake = YieldingTime()
    monkeypatch.setattr(windows, "monotonic", fake.monotonic)
    monkeypatch.setattr(windows, "sleep", fake.sleep)
    limits = TelegramLimits(overall_per_second=5)
    order: list[int] = []

    async def send(n: int) -> bool:
        order.append(n)
        return True

    async def one(n: int) -> None:
        data = {"chat_id": 100 + n}
        await limits.process_request(functools.partial(send, n), (), {}, "sendMessage", data, None)

    await asyncio.gather(*(one(n) for n in range(40)))
    assert order == list(range(40))
