"""`disposisi playground`: the emulator's web page beside the running bot, for a person to play
each official of the seed SOP in a browser — no token, no network, a throw-away database.

The page (emulator/web/) lists every chat; choosing an official opens their chat, where the
bot's messages, buttons and documents are as a phone would show them. The bot's clock flows from
the next opening of the office and can be moved forward from the page, to see reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.core.clock import ShiftedClock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.core.sop.loader import load_sop
from bot.services.context import build_context
from bot.storage import migrate
from demo import player
from demo.run import copy_sop, default_start, demo_settings
from demo.scenario import NAMES
from demo.world import TOKEN, World
from emulator.client import EmulatorClient
from emulator.server import Emulator

MAX_STEP_MINUTES = 5 * 8 * 60  # one press moves the clock at most a working week


@dataclass
class Playground:
    url: str  # the page
    world: World
    clock: ShiftedClock
    scratch: tempfile.TemporaryDirectory[str]

    async def stop(self) -> None:
        await self.world.close()
        self.scratch.cleanup()


async def start_playground(
    base: Settings,
    host: str = "127.0.0.1",
    port: int = 0,
    start: datetime | None = None,
    sop_file: Path | None = None,
) -> Playground:
    """The seed's office, or — with `sop_file`, or `SOP_DIR` set — an official per role of
    those SOPs, so that an office can try its own before going live."""
    clock = ShiftedClock(start or default_start(base))
    holder: dict[str, World] = {}
    routes = _clock_routes(clock, holder, Renderer(base.zone))
    emulator = Emulator(token=TOKEN, extra_routes=routes)
    url = await emulator.start(host=host, port=port)  # fails first if the port is taken
    scratch = tempfile.TemporaryDirectory(prefix="disposisi-playground-")
    settings = demo_settings(base, Path(scratch.name), url)
    own = _own_sops(base, sop_file, Path(scratch.name))
    if own is not None:
        settings = settings.model_copy(update={"sop_dir": own})
    ctx = build_context(settings, clock=clock)
    world = World(emulator, EmulatorClient(url), ctx)
    holder["world"] = world
    try:
        await migrate.upgrade(ctx.engine)
        await world.start_bot()
        if own is None:
            await world.register_office(NAMES)
        else:
            await player.register_office(world, ctx.sops.latest())
    except BaseException:
        await world.close()
        scratch.cleanup()
        raise
    return Playground(f"{url}/playground/", world, clock, scratch)


def _own_sops(base: Settings, sop_file: Path | None, scratch: Path) -> Path | None:
    """The folder of SOPs to serve: a copy holding `sop_file` and its letter templates, or the
    operator's SOP_DIR; None for the seed."""
    if sop_file is None:
        return base.sop_dir
    folder = scratch / "sops"
    folder.mkdir()
    copy_sop(load_sop(sop_file), folder, sop_file.name)
    return folder


def _clock_routes(
    clock: ShiftedClock, holder: dict[str, World], renderer: Renderer
) -> list[web.RouteDef]:
    """GET/POST /playground/clock: the bot's time, and moving it on by working minutes."""

    def shown() -> web.Response:
        now = clock.now()
        return web.json_response({"now": renderer.local_time(now), "iso": now.isoformat()})

    async def read(request: web.Request) -> web.Response:
        return shown()

    async def advance(request: web.Request) -> web.Response:
        try:
            minutes = int((await request.json()).get("minutes", 0))
        except (ValueError, TypeError, AttributeError):
            return web.json_response({"error": "minutes must be a whole number"}, status=400)
        if not 0 < minutes <= MAX_STEP_MINUTES:
            return web.json_response({"error": "minutes out of range"}, status=400)
        calendar = holder["world"].ctx.calendar
        clock.advance(calendar.add_working_minutes(clock.now(), minutes) - clock.now())
        return shown()

    return [web.get("/playground/clock", read), web.post("/playground/clock", advance)]


async def serve(base: Settings, host: str, port: int, sop_file: Path | None = None) -> None:
    """Run until Ctrl-C (or SIGTERM), then stop cleanly."""
    playground = await start_playground(base, host, port, sop_file=sop_file)
    print(f"Playground: {playground.url}  (Ctrl-C untuk berhenti)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"Perhatian: {host} bukan alamat lokal — siapa pun di jaringan dapat bermain sebagai "
            "pejabat mana pun, tanpa kata sandi.",
            flush=True,
        )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        await playground.stop()
