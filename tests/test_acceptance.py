"""The acceptance run, as an operator would do it: `python -m emulator --port P` and
`disposisi run` as two processes, configured only by environment variables, and a script that
registers the officials through `disposisi invite` links and takes a proposal from intake to its
final outcome through the control API."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.services.context import build_context
from emulator.client import ControlError, EmulatorClient
from tests.bot_world import World, intake, kak_to_the_end, through_step_7

START_WITHIN = 30.0  # seconds for a process to come up


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(check: object, what: str) -> None:
    """Retry `check` (an async callable) until it holds: processes take a moment to start."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_WITHIN
    while True:
        try:
            if await check():  # type: ignore[operator]
                return
        except (OSError, ControlError):
            pass
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not come up within {START_WITHIN}s")
        await asyncio.sleep(0.1)


@pytest.fixture
async def processes(
    settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[World, dict[str, str]]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "ARCHIVE_DIR": str(tmp_path / "arsip"),
        "TELEGRAM_API_URL": f"{url}/bot",
        "TELEGRAM_BOT_TOKEN": "123:test",
        "PRIVATE_CHAT_PER_SECOND": "20",
        "OUTBOX_POLL_SECONDS": "0.2",
    }
    emulator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    tg = EmulatorClient(url)
    bot = None
    try:
        await _until(lambda: tg.stats(), "the emulator")
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )

        async def polling() -> bool:
            return bool((await tg.stats())["polls_waiting"])

        await _until(polling, "the bot")
        world = World(None, tg, build_context(settings))

        async def invite(role: str, unit: str | None) -> str:
            args = [
                sys.executable,
                "-m",
                "bot",
                "invite",
                role,
                *(["--unit", unit] if unit else []),
            ]
            made = await asyncio.create_subprocess_exec(
                *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
            )
            out, err = await made.communicate()
            assert made.returncode == 0, err.decode()
            link = out.decode().strip()
            assert link.startswith("https://t.me/disposisi_test_bot?start="), link
            return link.rsplit("=", 1)[1]

        world.inviter = invite
        yield world, env
        bot.terminate()
        _, err = await asyncio.wait_for(bot.communicate(), START_WITHIN)
        assert bot.returncode == 0, err.decode()[-2000:]  # SIGTERM: a clean stop
        assert "123:test" not in err.decode()  # the token never reaches the log
        await world.ctx.close()
    finally:
        if bot is not None and bot.returncode is None:
            bot.kill()
        emulator.terminate()
        await emulator.wait()
        await tg.close()


async def test_two_processes_take_a_proposal_from_intake_to_its_outcome(
    processes: tuple[World, dict[str, str]],
) -> None:
    world, _ = processes
    await world.register_office()
    number = await intake(world)
    await through_step_7(world, number)
    await kak_to_the_end(world, number)
    closed = await world.latest("perangkat_daerah", "Usulan selesai")
    assert number in closed["text"] and "Surat dikirim dan diarsipkan" in closed["text"]
    commands = await world.tg.commands()
    assert any(c["command"] == "tugas" for entry in commands for c in entry["commands"])
