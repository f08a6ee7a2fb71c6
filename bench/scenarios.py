"""The plan, and the workflow, baseline and sweep scenarios of bench/README (the others are in
`limits.py` and `footprint.py`). Each sets up its own emulator, database and bot processes in a
scratch folder, measures, and returns plain figures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench import bulk
from bench.drive import Officials, Tally
from bench.office import CHAIN, local_settings, prepare, users
from bench.procs import Proc, bot_env, start_baseline, start_bot, start_emulator
from bot.core.clock import FrozenClock
from bot.services import reminders
from bot.services.context import build_context
from bot.services.officials import add_official, assign_role
from bot.storage import migrate
from emulator.client import EmulatorClient

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_1000 = datetime(2026, 11, 23, 10, 0, tzinfo=WIB)  # office hours, not a holiday


@dataclass(frozen=True)
class Plan:
    """How much of everything: `quick` for CI, the full run for RESULTS.md."""

    proposals: int
    warmup: float
    seconds: float  # per concurrency level
    levels: tuple[int, ...]
    paced_rate: float
    paced_seconds: float
    sweep_tasks: int
    outbox_messages: int
    outbox_privates: int
    memory_proposals: int
    durability_commits: int  # bare one-row commits per synchronous mode
    durability_proposals: int  # per bot (one bot per mode)
    durability_seconds: float  # per mode and concurrency level
    many_officials: int  # officials approving at once, each in their own chat (limits.py)
    many_seconds: float
    records_cases: int = 100_000  # cases with full history read for the records (records.py)


FULL = Plan(
    3000, 2.0, 10.0, (1, 8, 32), 50.0, 60.0, 100_000, 3000, 300, 100_000, 2000, 600, 10.0, 60, 30.0
)
QUICK = Plan(
    700, 1.0, 3.0, (1, 8, 32), 50.0, 5.0, 10_000, 300, 30, 5_000, 300, 150, 2.0, 20, 6.0, 2_000
)


# -- 1, 2, 3: the workflow against the baseline ------------------------------------------------


async def _levels(officials: Officials, proc: Proc, plan: Plan) -> dict[str, Any]:
    await officials.closed_loop(8, plan.warmup)  # warm: connections, caches, the JIT of the OS
    found = {}
    for concurrency in plan.levels:
        cpu = proc.cpu_seconds()
        tally = await officials.closed_loop(concurrency, plan.seconds)
        used = proc.cpu_seconds() - cpu
        found[str(concurrency)] = tally.summary() | {
            "cpu_ms_per_approval": round(used / tally.count * 1000, 2) if tally.count else None
        }
    return found


async def baseline(scratch: Path, plan: Plan) -> dict[str, Any]:
    emulator, url = await start_emulator(scratch)
    proc: Proc | None = None
    try:
        async with EmulatorClient(url) as client:
            ids, group = await users(client)
            chats = [ids[role] for role in CHAIN]
            args = ["--api", url, "--chats", ",".join(map(str, chats)), "--group", str(group)]
            # The baseline is cheap to feed; never let it run dry before the real bot does.
            count = 2 * plan.proposals
            proc = await start_baseline([*args, "--proposals", str(count)], scratch)
            officials = Officials(client, chats)
            await officials.collect_first_tasks(count)
            return await _levels(officials, proc, plan)
    finally:
        if proc is not None:
            await proc.stop()
        await emulator.stop()


async def workflow(scratch: Path, plan: Plan, database_url: str, *, paced: bool) -> dict[str, Any]:
    """The real bot, `python -m bot run`, on `database_url`."""
    emulator, url = await start_emulator(scratch)
    proc: Proc | None = None
    try:
        office = await prepare(database_url, url, scratch, plan.proposals)
        proc = await start_bot(bot_env(database_url, url, scratch), scratch)
        async with EmulatorClient(url) as client:
            officials = Officials(client, office.chats)
            await officials.collect_first_tasks(plan.proposals)
            found = await _levels(officials, proc, plan)
            if paced:
                tally = await officials.paced(plan.paced_rate, plan.paced_seconds)
                found["paced"] = tally.summary() | {"rate": plan.paced_rate}
            found["rss_mb"] = round(proc.rss_mb(), 1)
            return found
    finally:
        if proc is not None:
            await proc.stop()
        await emulator.stop()


# -- 4: the reminder sweep -------------------------------------------------------------------


async def sweep(scratch: Path, plan: Plan, database_url: str) -> dict[str, Any]:
    clock = FrozenClock(MONDAY_1000)
    ctx = build_context(local_settings(database_url, scratch), clock=clock)
    try:
        await migrate.upgrade(ctx.engine)
        karo = await add_official(ctx, name="Pejabat karo", telegram_user_id=1)
        await assign_role(ctx, official_id=karo, role="karo")
        loaded = time.perf_counter()
        due = await bulk.open_tasks(ctx.engine, plan.sweep_tasks, karo, clock.now(), 0.01)
        await bulk.fix_sequences(ctx.engine)
        load_seconds = time.perf_counter() - loaded
        await _analyze(ctx.engine)
        plan_text = await _plan(ctx.engine, clock.now())
        started = time.perf_counter()
        claimed = await _claim_only(ctx)
        claim_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        sent = await reminders.sweep(ctx)
        sweep_ms = (time.perf_counter() - started) * 1000
        return {
            "open_tasks": plan.sweep_tasks,
            "due": due,
            "claim_batch_ms": round(claim_ms, 1),
            "claim_batch": claimed,
            "sweep_ms": round(sweep_ms, 1),
            "reminded": sent,
            "ms_per_reminder": round(sweep_ms / sent, 2) if sent else None,
            "uses_index": "ix_tasks_next_reminder_at" in plan_text,
            "plan": plan_text,
            "load_seconds": round(load_seconds, 1),
        }
    finally:
        await ctx.close()


async def _analyze(engine: Any) -> None:
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE")


async def _plan(engine: Any, now: datetime) -> str:
    """The query plan of the claim's inner select, on this database."""
    query = reminders.due(now, reminders.CLAIM_BATCH)
    compiled = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        rows = (await connection.execute(text(explain + compiled))).all()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


async def _claim_only(ctx: Any) -> int:
    """One claim of a batch, the part of the sweep that reads the index; rolled back, so the
    sweep measured next finds everything still due."""
    from bot.services.uow import UnitOfWork

    async with UnitOfWork(ctx) as uow:
        claimed = await reminders._claim(uow, reminders.CLAIM_BATCH)
    return len(claimed)


def ratio(real: dict[str, Any], base: dict[str, Any]) -> dict[str, float | None]:
    """real ÷ baseline approvals per second, per concurrency."""
    out: dict[str, float | None] = {}
    for level, figures in base.items():
        if level in real and figures.get("per_second"):
            out[level] = round(real[level]["per_second"] / figures["per_second"], 2)
    return out


__all__ = ["FULL", "QUICK", "Plan", "Tally", "baseline", "ratio", "sweep", "workflow"]
