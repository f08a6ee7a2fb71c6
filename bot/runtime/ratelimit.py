"""Telegram's limits, as Telegram counts them: at most 30 messages in any second overall, one
per second in a private chat, 20 in any minute in a group.

PTB's AIORateLimiter uses leaky buckets that let a burst through and then drip at the rate, so
a burst followed by a steady flow puts up to twice the limit into one second — and Telegram
answers 429. Here each limit is a sliding window of the times requests were let through, as
Telegram (and the emulator) keep them. A request holds its place in the windows from when it
is let through until its answer is back, and is then counted as sent at that later moment:
Telegram saw it somewhere in between, so the next one, spaced from the answer, cannot arrive
too early however long the request took on a loaded machine (a fixed margin could not promise
that). A 429 that still comes is not retried here: it goes back to the outbox sender, which
reschedules the message after `retry_after`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

from bot.core import windows
from bot.core.windows import SlidingWindow

JSONish = bool | dict[str, Any] | list[dict[str, Any]]
_IDLE_SECONDS = 120.0  # forget a chat's window after this long, so memory stays bounded


class TelegramLimits(BaseRateLimiter[int]):
    def __init__(
        self,
        overall_per_second: int = 30,
        private_per_second: float = 1.0,
        group_per_minute: int = 20,
    ) -> None:
        # Small margins on top of counting each request from its answer (see above): clocks
        # and Telegram's own counting are not exact.
        self.overall = SlidingWindow(overall_per_second, 1.0, margin=0.005)
        self._private_period = 1.0 / private_per_second
        self._group_per_minute = group_per_minute
        self._chats: dict[int | str, SlidingWindow] = {}
        self._turn = asyncio.Lock()  # FIFO: the queue for the overall window

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def _window(self, chat: int | str) -> SlidingWindow:
        found = self._chats.get(chat)
        if found is None:
            if len(self._chats) > 1000:
                now = windows.monotonic()
                self._chats = {
                    c: w for c, w in self._chats.items() if now - w.last_used < _IDLE_SECONDS
                }
            group = isinstance(chat, str) or chat < 0
            found = (
                SlidingWindow(self._group_per_minute, 60.0, margin=0.5)
                if group
                else SlidingWindow(1, self._private_period, margin=0.05)
            )
            self._chats[chat] = found
        return found

    def chat_wait(self, chat_id: int | str) -> float:
        """Seconds until `chat_id` may be sent to (its own window only)."""
        found = self._chats.get(chat_id)
        return found.wait(windows.monotonic()) if found is not None else 0.0

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONish:
        chat: Any = data.get("chat_id")
        if chat is None:  # getUpdates, answerCallbackQuery…: not messages to a chat
            return await callback(*args, **kwargs)
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)
        own = self._window(chat)
        both = (own, self.overall)
        while True:
            await windows.room(own)
            # Requests whose chat is ready take the overall window in the order they came:
            # waiters that each poll for the next free second would leave some waiting for
            # a minute while others go first (a group's card, a chat with many messages).
            async with self._turn:
                await windows.room(self.overall)
                # The chat's window again: another request to the chat may have got in or
                # been answered meanwhile; then give up the turn rather than hold everyone.
                if own.wait(windows.monotonic()) > 0:
                    continue
                taken = await windows.acquire(*both)  # room in both: taken at once
                break
        try:
            return await callback(*args, **kwargs)
        finally:
            answered = windows.monotonic()
            for window in both:
                window.settle(taken, answered)
