"""The emulator as an aiohttp application, and `Emulator`, which runs it inside the caller's
event loop:

    emu = Emulator(token="123:test")  # the only token it answers
    url = await emu.start(host="127.0.0.1", port=0)  # "http://127.0.0.1:PORT"
    ...  # Bot(token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot")
    await emu.stop()
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator import botapi, control, guard
from emulator.core import DEFAULT_TOKEN, ApiCall, Config, Core
from emulator.registry import METHODS
from emulator.rules import MAX_UPLOAD, FloodLimits
from emulator.schema import schema
from emulator.state import World


async def _index(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "emulator": "Telegram Bot API",
            "bot_api_version": schema().version,
            "methods": sorted(METHODS),
            "bot_api": "/bot<token>/<method>",
            "files": "/file/bot<token>/<file_path>",
            "control": "/control/...",
        }
    )


WEB = Path(__file__).parent / "web"
_WEB_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


async def _web_file(request: web.Request) -> web.StreamResponse:
    """The playground: a page that shows every chat and lets a person act as any user."""
    name = request.match_info.get("name") or "index.html"
    path = WEB / name
    if path.parent != WEB or path.suffix not in _WEB_TYPES or not path.is_file():
        raise web.HTTPNotFound()
    return web.Response(
        body=path.read_bytes(), content_type=_WEB_TYPES[path.suffix], charset="utf-8"
    )


async def _to_playground(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/playground/")


def create_app(core: Core, extra_routes: Sequence[web.RouteDef] = ()) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024, middlewares=[guard.guard])
    app[guard.HOSTS] = set()
    app[botapi.CORE] = core
    app.router.add_get("/", _index)
    app.router.add_get("/playground", _to_playground)
    app.router.add_get("/playground/", _web_file)
    app.router.add_get("/playground/{name}", _web_file)
    app.router.add_routes(botapi.routes())
    app.router.add_routes(control.routes())
    app.router.add_routes(extra_routes)
    return app


class Emulator:
    """A local Telegram Bot API server with a control API (see emulator/README.md)."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "disposisi_test_bot",
        bot_first_name: str = "Disposisi Bot",
        flood_limits: bool = False,
        limits: FloodLimits | None = None,
        callback_query_max_age: float = 900.0,
        strict_ampersand: bool = True,
        record_api: bool = False,
        extra_routes: Sequence[web.RouteDef] = (),
    ) -> None:
        """`token`: the only bot token answered (another gets 401, as in Telegram).
        `extra_routes`: more HTTP routes on the same server (the playground's clock)."""
        config = Config(
            token=token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            flood_limits=flood_limits,
            limits=limits or FloodLimits(),
            callback_query_max_age=callback_query_max_age,
            strict_ampersand=strict_ampersand,
            record_api=record_api,
        )
        self.core = Core(config)
        self.app = create_app(self.core, extra_routes)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the emulator is not started")
        return self._url

    @property
    def world(self) -> World:
        return self.core.world

    @property
    def api_log(self) -> list[ApiCall]:
        """Every Bot API call and its answer, when created with record_api=True."""
        return self.core.api_log

    @property
    def polls_waiting(self) -> int:
        return self.core.delivery.polls_waiting

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> bool:
        """Wait (event-driven, no polling) until predicate() holds; False if `within` seconds
        pass first. The predicate is rechecked after every change in the emulator."""
        return await self.core.world.changed.wait_until(predicate, within)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner
        bound: Any = sock.getsockname()
        shown = f"[{host}]" if ":" in host else host
        self._url = f"http://{shown}:{bound[1]}"
        if guard.is_loopback(host):  # on a loopback address only loopback names may call
            self.app[guard.HOSTS].update(guard.loopback_hosts(bound[1], shown))
        return self._url

    async def stop(self) -> None:
        await self.core.delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
