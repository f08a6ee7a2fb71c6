"""Against Telegram's limits (the emulator enforcing them, the bot keeping them): the outbox
drained to many chats, and approvals by many officials at once."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import bulk
from bench.drive import STEPS, Officials, Tally
from bench.office import MANY_SOPS, agencies
from bench.procs import Proc, bot_env, start_bot, start_emulator
from bench.scenarios import WIB, Plan
from bot.storage import migrate
from bot.storage.db import create_engine
from emulator.client import EmulatorClient
from models import OutboxMessage
from models.outbox import PENDING

# -- 5: the outbox against Telegram's limits --------------------------------------------------


async def outbox(scratch: Path, plan: Plan, database_url: str) -> dict[str, Any]:
    emulator, url = await start_emulator(scratch, flood=True)
    proc: Proc | None = None
    try:
        async with EmulatorClient(url) as client:
            privates = [
                int((await client.create_user(f"Pegawai {n}", started=True))["id"])
                for n in range(plan.outbox_privates)
            ]
            groups = [
                int((await client.create_chat(f"Grup {n}", privates[:1]))["id"]) for n in range(3)
            ]
            per_group = 10  # 20 a minute per group: ten go at once, more would wait minutes
            share, extra = divmod(plan.outbox_messages - 3 * per_group, len(privates))
            per_chat = {chat: share + (n < extra) for n, chat in enumerate(privates)}
            per_chat |= dict.fromkeys(groups, per_group)
            engine = create_engine(database_url)
            try:
                await migrate.upgrade(engine)
                env = bot_env(
                    database_url,
                    url,
                    scratch,
                    TELEGRAM_RATE_LIMITS="true",
                    OUTBOX_POLL_SECONDS="0.2",
                )
                proc = await start_bot(env, scratch)
                await _until_started(client)
                queued = await bulk.queued(
                    engine, [*privates, *groups], per_chat, datetime.now(WIB)
                )
                started = time.monotonic()
                await _drained(engine)
                drained = time.monotonic() - started
            finally:
                await engine.dispose()
            stats = await client.stats()
        return {
            "messages": queued,
            "private_chats": len(privates),
            "groups": len(groups),
            "seconds_to_drain": round(drained, 1),
            "per_second": round(queued / drained, 1),
            "too_many_requests": int(stats["too_many_requests"]),
            "too_many_requests_by_method": stats.get("too_many_requests_by_method"),
            "limit_per_second": 30,
        }
    finally:
        if proc is not None:
            await proc.stop()
        await emulator.stop()


async def _drained(engine: Any, poll: float = 0.1, at_most: float = 3600.0) -> None:
    """Poll (the sender is another process) until no message is pending."""
    for _ in range(int(at_most / poll)):
        if not await _pending(engine):
            return
        await asyncio.sleep(poll)
    raise RuntimeError("the outbox did not drain")


async def _pending(engine: Any) -> int:
    async with engine.connect() as connection:
        found = await connection.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == PENDING)
        )
    return int(found or 0)


async def _until_started(client: EmulatorClient) -> None:
    """The bot is up once it has registered its commands."""
    for _ in range(600):
        if await client.commands():
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the bot did not start")


# -- 9: many officials at once, Telegram's limits on -----------------------------------------

MANY_NUMBER = re.compile(r"\d{4}/BP/\d{4}")
TELEGRAM_PER_SECOND = 30


async def many_officials(scratch: Path, plan: Plan, database_url: str) -> dict[str, Any]:
    """`plan.many_officials` officials, each approving their own agency's cases as fast as the
    next task reaches them, against the emulator enforcing Telegram's limits. Telegram, not the
    bot, is then the ceiling (one message a second per chat, 30 overall), so what counts is
    approvals per second sustained and Bot API calls per approval: fewer calls per approval
    is how one token serves more officials."""
    emulator, url = await start_emulator(scratch, flood=True)
    proc: Proc | None = None
    per_official = int(plan.many_seconds / 2 / STEPS) + 2  # ≤ 1 approval per 2 s per chat
    try:
        chats, _group = await agencies(
            database_url, url, scratch, plan.many_officials, per_official
        )
        env = bot_env(
            database_url,
            url,
            scratch,
            TELEGRAM_RATE_LIMITS="true",
            SOP_DIR=str(MANY_SOPS),
            OUTBOX_POLL_SECONDS="0.2",
        )
        proc = await start_bot(env, scratch)
        async with EmulatorClient(url) as client:
            drivers = [Officials(client, [chat] * (STEPS + 1), MANY_NUMBER) for chat in chats]
            await asyncio.gather(*(d.collect_first_tasks(per_official) for d in drivers))
            before = await client.stats()
            cpu = proc.cpu_seconds()
            tallies = await asyncio.gather(*(d.closed_loop(1, plan.many_seconds) for d in drivers))
            used = proc.cpu_seconds() - cpu
            after = await client.stats()
        total = Tally(
            [x for t in tallies for x in t.latencies],
            sum(t.errors for t in tallies),
            max(t.seconds for t in tallies),
        )
        during: Counter[str] = Counter(after["calls"])
        during.subtract(before["calls"])
        calls = +during  # drop the methods not called during the run
        approvals = total.count or 1
        messages = calls["sendMessage"] + calls["editMessageText"]
        return total.summary() | {
            "officials": len(chats),
            "bot_api_calls_per_approval": round(sum(calls.values()) / approvals, 2),
            "calls_per_approval_by_method": {
                method: round(n / approvals, 2) for method, n in sorted(calls.items())
            },
            "messages_per_approval": round(messages / approvals, 2),
            # What Telegram's 30 a second allows at this many messages per approval.
            "telegram_ceiling_per_second": round(TELEGRAM_PER_SECOND * approvals / messages, 1)
            if messages
            else None,
            "too_many_requests": after["too_many_requests"] - before["too_many_requests"],
            "cpu_ms_per_approval": round(used / approvals * 1000, 2),
        }
    finally:
        if proc is not None:
            await proc.stop()
        await emulator.stop()
