"""kill -9 in the middle of a burst of presses: the real `disposisi run` (and, on PostgreSQL,
two of them behind a webhook) against the emulator as separate processes. After the restart
every press has taken effect exactly once and every official got each message exactly once.

Every message arrives; a message arrives twice only when its send was in flight at the instant of
the kill (its outbox row was claimed before the kill and again after): the Bot API cannot say
whether such a send arrived, so it is repeated after its lease, as the README says. The kill is
timed just after the first approvals, so such a send is likely, not rare. Presses are never
doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.core.config import Settings
from bot.services.context import Context, build_context
from bot.services.officials import add_official, assign_role
from bot.services.proposals import register_proposal
from bot.storage import migrate
from emulator.client import ControlError, EmulatorClient
from models import Event, OutboxMessage, Proposal, ReceivedUpdate
from models.outbox import SEND
from tests.conftest import AGENCY
from tests.helpers import SOP, pdf

PROPOSALS = 16
WITHIN = 60.0  # seconds for processes to come up and for the work to settle


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(check: object, what: str, seconds: float = WITHIN) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            if await check():  # type: ignore[operator]
                return
        except (OSError, ControlError, aiohttp.ClientError):
            pass
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds}s")
        await asyncio.sleep(0.1)


async def _spawn(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    log = open(os.environ.get("DISPOSISI_CRASH_LOG", os.devnull), "ab")  # noqa: SIM115, ASYNC230
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=log, stderr=log
    )


@asynccontextmanager
async def _emulator(env: dict[str, str], port: int) -> AsyncIterator[EmulatorClient]:
    process = await _spawn("-m", "emulator", "--port", str(port), env=env)
    tg = EmulatorClient(f"http://127.0.0.1:{port}")
    try:
        await _until(lambda: tg.stats(), "the emulator")
        yield tg
    finally:
        process.terminate()
        await process.wait()
        await tg.close()


async def _office(ctx: Context, tg: EmulatorClient) -> tuple[int, int]:
    """Karo, with a task on each of PROPOSALS proposals, and the Kabag who gets the next step."""
    await migrate.upgrade(ctx.engine)
    users = {}
    for role in ("karo", "kabag_ks", "pengadministrasi"):
        user = await tg.create_user(f"Pejabat {role}", started=True)
        official = await add_official(ctx, name=f"Pejabat {role}", telegram_user_id=user["id"])
        await assign_role(ctx, official_id=official, role=role)
        users[role] = (official, int(user["id"]))
    for number in range(PROPOSALS):
        await register_proposal(
            ctx,
            by=users["pengadministrasi"][0],
            sop_code=SOP,
            title=f"Usulan nomor {number}",
            origin=AGENCY,
            kind="KAK",
            agency_unit=AGENCY,
            document=pdf(f"usulan-{number}.pdf"),
        )
    return users["karo"][1], users["kabag_ks"][1]


async def _approvals(ctx: Context) -> int:
    async with ctx.sessions() as session:
        found = await session.scalar(
            select(func.count(Event.id)).where(Event.type == "task_approve")
        )
        return found or 0


async def _burst_and_kill(
    tg: EmulatorClient, ctx: Context, karo: int, victim: asyncio.subprocess.Process
) -> None:
    tasks = await tg.wait(karo, count=PROPOSALS, seconds=WITHIN)
    presses = [
        tg.press(karo, m["message_id"], label="✅ Setujui", wait=0.0)
        for m in tasks
        if "Setujui" in str(m.get("buttons"))
    ]
    assert len(presses) == PROPOSALS
    burst = asyncio.gather(*presses, return_exceptions=True)
    await _until(lambda: _some_but_not_all(ctx), "the first approvals", 30.0)
    victim.send_signal(signal.SIGKILL)  # mid-burst: some handled, some fetched, some waiting
    await victim.wait()
    await burst


async def _some_but_not_all(ctx: Context) -> bool:
    return await _approvals(ctx) >= 2


async def _assert_once_each(ctx: Context, tg: EmulatorClient, karo: int, kabag: int) -> None:
    async def settled() -> bool:
        return await _approvals(ctx) >= PROPOSALS and len(await _new_tasks(tg, kabag)) >= PROPOSALS

    try:
        await _until(settled, "every press taking effect")
    except AssertionError as late:
        async with ctx.sessions() as session:
            rows = (await session.execute(select(ReceivedUpdate))).scalars().all()
            states = [(r.update_id, r.handled_at is not None, r.attempts, r.error) for r in rows]
        told = len(await _new_tasks(tg, kabag))
        approved = await _approvals(ctx)
        raise AssertionError(f"{late}: {approved} approved, {told} told; {states}") from None
    await asyncio.sleep(1.0)  # anything doubled would arrive now
    assert await _approvals(ctx) == PROPOSALS  # each press took effect, once
    arrived = await _new_tasks(tg, kabag)
    numbers = Counter(str(m["text"]).split("Usulan nomor ")[1].split()[0] for m in arrived)
    assert set(numbers) == {str(n) for n in range(PROPOSALS)}  # every message arrived
    repeated = {n for n, times in numbers.items() if times > 1}
    assert max(numbers.values()) <= 2
    assert repeated <= await _sent_in_flight_at_kill(ctx, kabag)  # repeated only when unknowable
    async with ctx.sessions() as session:
        stuck = await session.scalar(
            select(func.count(ReceivedUpdate.update_id)).where(ReceivedUpdate.handled_at.is_(None))
        )
    assert stuck == 0


async def _sent_in_flight_at_kill(ctx: Context, chat_id: int) -> set[str]:
    """The proposal numbers whose message to the chat was claimed more than once by a sender."""
    async with ctx.sessions() as session:
        titles = await session.scalars(
            select(Proposal.title)
            .join(OutboxMessage, OutboxMessage.proposal_id == Proposal.id)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.kind == SEND,
                OutboxMessage.attempts > 1,
            )
        )
        return {title.split("Usulan nomor ")[1].split()[0] for title in titles}


async def _new_tasks(tg: EmulatorClient, kabag: int) -> list[dict[str, object]]:
    return [m for m in await tg.messages(kabag) if "Usulan nomor" in str(m.get("text"))]


def _env(settings: Settings, tmp_path: Path, port: int) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": settings.database_url,
        "ARCHIVE_DIR": str(tmp_path / "arsip"),
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
        "TELEGRAM_BOT_TOKEN": "123:test",
        "PRIVATE_CHAT_PER_SECOND": "30",
        "OUTBOX_POLL_SECONDS": "0.2",
        "INBOX_LEASE_SECONDS": "3",
        "OUTBOX_LEASE_SECONDS": "5",
        "DAILY_DIGEST": "false",
    }


async def test_kill_9_while_polling_on_sqlite_loses_and_doubles_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    port = _free_port()
    env = _env(settings, tmp_path, port)
    ctx = build_context(settings)
    bot = None
    try:
        async with _emulator(env, port) as tg:
            karo, kabag = await _office(ctx, tg)
            bot = await _spawn("-m", "bot", "run", env=env)
            await _burst_and_kill(tg, ctx, karo, bot)
            bot = await _spawn("-m", "bot", "run", env=env)
            await _assert_once_each(ctx, tg, karo, kabag)
    finally:
        if bot is not None and bot.returncode is None:
            bot.terminate()
            await bot.wait()
        await ctx.close()


@asynccontextmanager
async def _balancer(targets: list[int]) -> AsyncIterator[int]:
    """A load balancer in front of the instances: each push to the next one, and to another
    when one does not answer (as a real one's health check would)."""
    port, turn = _free_port(), [0]

    async def forward(request: web.Request) -> web.Response:
        body, headers = await request.read(), dict(request.headers)
        headers.pop("Host", None)
        for step in range(len(targets)):
            target = targets[(turn[0] + step) % len(targets)]
            try:
                async with (
                    aiohttp.ClientSession() as http,
                    http.post(
                        f"http://127.0.0.1:{target}{request.path}", data=body, headers=headers
                    ) as answer,
                ):
                    turn[0] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    server = web.Application()
    server.router.add_post("/{tail:.*}", forward)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_kill_9_of_one_of_two_webhook_instances_on_postgres(
    settings: Settings, tmp_path: Path
) -> None:
    port, listen = _free_port(), [_free_port(), _free_port()]
    base = _env(settings, tmp_path, port)
    ctx = build_context(settings)
    bots: list[asyncio.subprocess.Process] = []
    try:
        async with _emulator(base, port) as tg, _balancer(listen) as balancer:
            karo, kabag = await _office(ctx, tg)
            for own in listen:
                env = base | {
                    "WEBHOOK_URL": f"http://127.0.0.1:{balancer}/telegram/hook",
                    "WEBHOOK_LISTEN": f"127.0.0.1:{own}",
                    "WEBHOOK_SECRET": "rahasia-bersama",
                }
                bots.append(await _spawn("-m", "bot", "run", env=env))
            await _burst_and_kill(tg, ctx, karo, bots[0])
            await _assert_once_each(ctx, tg, karo, kabag)
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.terminate()
                await bot.wait()
        await ctx.close()
