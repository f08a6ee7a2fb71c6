"""Telegram's limits, all of them: PTB's AIORateLimiter keeps the overall (30/s) and per-group
(20/min) ones; this adds the one message per second per private chat that it leaves out."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

JSONish = bool | dict[str, Any] | list[dict[str, Any]]
_IDLE_SECONDS = 60.0  # forget a chat's limiter after this long, so memory stays bounded


class PerChatRateLimiter(AIORateLimiter):
    def __init__(self, per_chat_per_second: float = 1.0, **kwargs: Any) -> None:
        kwargs.setdefault("max_retries", 0)  # a 429 goes back to the sender, which reschedules
        super().__init__(**kwargs)
        self._per_chat_rate = per_chat_per_second
        self._chats: dict[int, tuple[AsyncLimiter, float]] = {}

    def _limiter(self, chat_id: int) -> AsyncLimiter:
        now = time.monotonic()
        if len(self._chats) > 1000:
            self._chats = {c: v for c, v in self._chats.items() if now - v[1] < _IDLE_SECONDS}
        limiter = self._chats.get(chat_id, (AsyncLimiter(1, 1 / self._per_chat_rate), now))[0]
        self._chats[chat_id] = (limiter, now)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONish:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        if isinstance(chat_id, int) and chat_id > 0:
            async with self._limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
