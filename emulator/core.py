"""The emulator's moving parts in one place, shared by the Bot API and the control API:
the world, update delivery, flood control, injected faults, statistics and the call log."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from emulator.params import Params
from emulator.rules import ApiError, FloodControl, FloodLimits
from emulator.state import World
from emulator.updates import Delivery

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Fault:
    status: int | None  # None with hang_seconds: answer normally after the delay
    retry_after: int | None = None
    hang_seconds: float | None = None
    description: str | None = None

    def describe(self) -> str:
        if self.description:
            return self.description
        if self.status == 429:
            return f"Too Many Requests: retry after {self.retry_after or 1}"
        return DEFAULT_DESCRIPTIONS.get(self.status or 500, "Error")


class Faults:
    """Queued failures per method (method names compared case-insensitively)."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = defaultdict(list)

    def add(self, method: str, fault: Fault, count: int) -> int:
        queue = self._queued[method.lower()]
        queue.extend([fault] * count)
        return len(queue)

    def take(self, method: str) -> Fault | None:
        queue = self._queued.get(method.lower())
        return queue.pop(0) if queue else None

    def clear(self) -> None:
        self._queued.clear()

    def pending(self) -> dict[str, int]:
        return {method: len(queue) for method, queue in self._queued.items() if queue}


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    too_many_requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    messages_per_chat: Counter[int] = field(default_factory=Counter)
    faults_injected: int = 0
    unknown_parameters: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "too_many_requests": sum(self.too_many_requests.values()),
            "too_many_requests_by_method": dict(self.too_many_requests),
            "errors": dict(self.errors),
            "messages_per_chat": {str(k): v for k, v in self.messages_per_chat.items()},
            "faults_injected": self.faults_injected,
            "unknown_parameters": {k: sorted(v) for k, v in self.unknown_parameters.items() if v},
        }


@dataclass
class ApiCall:
    """One Bot API call as the bot made it and as the emulator answered it."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any
    error_code: int | None = None
    description: str | None = None


DEFAULT_TOKEN = "123:test"  # the README's `TELEGRAM_BOT_TOKEN=123:test`; not a secret
TOKEN = re.compile(r"(\d+):(\S+)")  # what Telegram's tokens look like: <bot id>:<secret>


@dataclass
class Config:
    token: str = DEFAULT_TOKEN
    bot_username: str = "disposisi_test_bot"
    bot_first_name: str = "Disposisi Bot"
    flood_limits: bool = False
    limits: FloodLimits = field(default_factory=FloodLimits)
    callback_query_max_age: float = 900.0
    strict_ampersand: bool = True
    record_api: bool = False


class Core:
    def __init__(self, config: Config) -> None:
        match = TOKEN.fullmatch(config.token)
        if match is None:
            raise ValueError("a bot token is <digits>:<characters>, as Telegram's are")
        self.config = config
        self.world = World(config.bot_username, config.bot_first_name)
        self.world.bot.id = int(match[1])
        self.flood = FloodControl(config.flood_limits, FloodLimits(**vars(config.limits)))
        self.faults = Faults()
        self.stats = Stats()
        self.delivery = Delivery(self.world)
        self.api_log: list[ApiCall] = []

    def log(
        self, method: str, params: Params, *, result: Any = None, error: ApiError | None = None
    ) -> None:
        if not self.config.record_api:
            return
        values = dict(params.values)
        for name, upload in params.files.items():
            values[name] = f"<upload {upload.filename!r}, {len(upload.content)} bytes>"
        call = ApiCall(method, values, error is None, result)
        if error is not None:
            call.error_code, call.description = error.code, error.description
        self.api_log.append(call)

    async def reset(self) -> None:
        await self.delivery.reset()
        self.world.clear()
        self.flood.enabled = self.config.flood_limits
        self.flood.limits = FloodLimits(**vars(self.config.limits))
        self.flood.reset()
        self.faults.clear()
        self.stats = Stats()
        self.api_log.clear()
