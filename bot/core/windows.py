"""Sliding windows of the moments requests were let through: at most `limit` in any `period`.

Pure and clock-agnostic (the clock and the wait are module names that tests walk), so the
Telegram rate limiter (`bot.runtime.ratelimit`) and the stranger replies (`bot.core.strangers`)
count the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

# The clock and the wait, named here so that tests can walk them without touching the loop's.
monotonic = time.monotonic
sleep = asyncio.sleep


class SlidingWindow:
    """At most `limit` requests in any `period` seconds (plus `margin`)."""

    def __init__(self, limit: int, period: float, margin: float = 0.0) -> None:
        self.limit, self.period = limit, period + margin
        self.times: deque[float] = deque()
        self.last_used = monotonic()

    def wait(self, now: float) -> float:
        """Seconds until there is room (0: room now)."""
        while self.times and now - self.times[0] >= self.period:
            self.times.popleft()
        return 0.0 if len(self.times) < self.limit else self.period - (now - self.times[0])

    def take(self, now: float) -> None:
        self.times.append(now)
        self.last_used = now

    def settle(self, taken: float, answered: float) -> None:
        """Count the request taken at `taken` as sent at `answered` (when its answer came),
        keeping the times in order."""
        with contextlib.suppress(ValueError):
            self.times.remove(taken)
        index = len(self.times)
        while index and self.times[index - 1] > answered:
            index -= 1
        self.times.insert(index, answered)
        self.last_used = max(self.last_used, answered)


async def room(window: SlidingWindow) -> None:
    """Until `window` has room (without taking it)."""
    while (wait := window.wait(monotonic())) > 0:
        await sleep(max(wait, 0.001))  # never a zero wait: time must move on


async def acquire(*windows: SlidingWindow) -> float:
    """Room in every window at the same moment, taken in all of them at once: a request that
    waited for one window must not be counted in another from before it waited. Returns the
    moment taken (for `settle`)."""
    while True:
        now = monotonic()
        longest = max(w.wait(now) for w in windows)
        if longest <= 0:
            for window in windows:
                window.take(now)
            return now
        await sleep(max(longest, 0.001))  # never a zero wait: time must move on
