"""The table of Bot API methods the emulator implements (canonical names, as in api.json)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from emulator.core import Core
from emulator.params import Params

Handler = Callable[[Core, Params], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


@dataclass
class Described:
    """A result answered with a `description` beside it, as setWebhook's "Webhook was set"."""

    result: Any
    description: str


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


def canonical(name: str) -> str | None:
    lowered = name.lower()
    return next((known for known in METHODS if known.lower() == lowered), None)
