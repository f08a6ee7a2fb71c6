"""Helpers for tests against the Telegram emulator: a started emulator whose every Bot API answer
is checked against api.json when it stops, PTB's Bot pointed at it, and a webhook receiver.

They are context managers rather than fixtures, so that a test module's fixtures (named as it
likes) wrap them without registering names for the whole test suite:

    @pytest.fixture
    async def emulator() -> AsyncIterator[Emulator]:
        async with running_emulator() as emu:
            yield emu
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from telegram import Bot

from emulator import Emulator
from emulator.client import EmulatorClient
from emulator.schema import Report, schema

TOKEN = "123:test"  # the emulator answers only the token it was started with


def conformity(emulator: Emulator) -> Report:
    """Every successful Bot API result the emulator answered, walked against api.json."""
    report = Report()
    for number, call in enumerate(emulator.api_log):
        if not call.ok:
            continue
        name = schema().method(call.method)
        assert name is not None, call.method
        checked = schema().check_result(name, call.result)
        report.problems += [f"call {number} {call.method}: {p}" for p in checked.problems]
        report.visited |= checked.visited
    return report


@asynccontextmanager
async def running_emulator(**options: Any) -> AsyncIterator[Emulator]:
    """A started emulator (recording its answers) for `TOKEN` unless `token=` says otherwise;
    on the way out, every answer is checked."""
    emu = Emulator(record_api=True, **{"token": TOKEN, **options})
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
    problems = conformity(emu).problems
    assert not problems, "answers that are not Telegram's shape:\n" + "\n".join(problems)


def ptb_bot(emulator: Emulator, token: str = TOKEN) -> Bot:
    """PTB's own Bot, pointed at the emulator the way the application is."""
    return Bot(token, base_url=f"{emulator.url}/bot", base_file_url=f"{emulator.url}/file/bot")


__all__ = [
    "TOKEN",
    "EmulatorClient",
    "WebhookReceiver",
    "conformity",
    "ptb_bot",
    "running_emulator",
]


class WebhookReceiver:
    """A small web server that records what the webhook receives; `failures` first answers 500."""

    def __init__(self, failures: int = 0) -> None:
        self.received: asyncio.Queue[tuple[dict[str, Any], str | None]] = asyncio.Queue()
        self.failures = failures
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _hook(self, request: web.Request) -> web.Response:
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((await request.json(), secret))
        return web.Response(text="ok")

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
        return self.url

    async def next(self, within: float = 5.0) -> tuple[dict[str, Any], str | None]:
        return await asyncio.wait_for(self.received.get(), within)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
