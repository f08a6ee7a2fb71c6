"""The seven scenarios of bench/README (issue 6). Each sets up its own emulator, database and
bot processes in a scratch folder, measures, and returns plain figures."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench import bulk
from bench.drive import Officials, Tally
from bench.office import CHAIN, OTHERS, local_settings, prepare, users
from bench.procs import Proc, bot_env, start_baseline, start_bot, start_emulator
from bot.core.clock import FrozenClock
from bot.services import reminders
from bot.services.context import build_context
from bot.services.officials import add_official, assign_role
from bot.storage import migrate
from bot.storage.db import create_engine
from emulator.client import EmulatorClient
from models import OutboxMessage
from models.outbox import PENDING

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


FULL = Plan(3000, 2.0, 10.0, (1, 8, 32), 50.0, 60.0, 100_000, 3000, 300, 100_000, 2000, 600, 10.0)
QUICK = Plan(700, 1.0, 3.0, (1, 8, 32), 50.0, 5.0, 10_000, 300, 30, 5_000, 300, 150, 2.0)


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


# -- 6 and 7: memory and start-up -------------------------------------------------------------


async def memory_and_startup(scratch: Path, plan: Plan, database_url: str) -> dict[str, Any]:
    emulator, url = await start_emulator(scratch)
    proc: Proc | None = None
    try:
        async with EmulatorClient(url) as client:
            ids, group = await users(client)
            engine = create_engine(database_url)
            ctx = build_context(local_settings(database_url, scratch), engine=engine)
            try:
                await migrate.upgrade(engine)
                holders = {}
                roles = (*CHAIN, *OTHERS, "kabag_ks", "tkksd", "gubernur")
                for role in dict.fromkeys(roles):
                    uid = ids.get(role)
                    holders[role] = await add_official(
                        ctx, name=f"Pejabat {role}", telegram_user_id=uid
                    )
                    unit = "Dinas Pariwisata" if role == "perangkat_daerah" else None
                    await assign_role(ctx, official_id=holders[role], role=role, unit=unit)
                startup_empty = await _startup(client, ids["karo"], database_url, url, scratch)
                loaded = time.perf_counter()
                await bulk.history(engine, plan.memory_proposals, holders, datetime.now(WIB), group)
                await bulk.fix_sequences(engine)
                load_seconds = time.perf_counter() - loaded
            finally:
                await ctx.close()
            karo = ids["karo"]
            startup_loaded, proc = await _start(client, karo, database_url, url, scratch, "bot")
            await asyncio.sleep(1.0)  # idle: the first sweep and drain have run
            idle = proc.rss_mb()
            number = f"{plan.memory_proposals // 2:06d}/KS/2026"
            for command, expect in (
                ("/tugas", "ugas"),
                (f"/status {number}", number),
                (f"/riwayat {number}", number),
                ("/cari uji beban", "uji beban"),
            ):
                since = max((m["message_id"] for m in await client.messages(karo)), default=0)
                await client.send(karo, command)
                await client.wait(karo, contains=expect, since_message_id=since, seconds=60)
            busy = proc.rss_mb()
        return {
            "proposals": plan.memory_proposals,
            "rows_loaded_seconds": round(load_seconds, 1),
            "rss_idle_mb": round(idle, 1),
            "rss_after_commands_mb": round(busy, 1),
            "startup_empty_seconds": round(startup_empty, 2),
            "startup_loaded_seconds": round(startup_loaded, 2),
        }
    finally:
        if proc is not None:
            await proc.stop()
        await emulator.stop()


async def _startup(
    client: EmulatorClient, user: int, database_url: str, url: str, scratch: Path
) -> float:
    seconds, proc = await _start(client, user, database_url, url, scratch, "startup")
    await proc.stop()
    return seconds


async def _start(
    client: EmulatorClient, user: int, database_url: str, url: str, scratch: Path, name: str
) -> tuple[float, Proc]:
    """From `disposisi run` to the first update handled: a message waits, the bot starts, and
    the clock stops when its answer reaches the emulator."""
    since = max((m["message_id"] for m in await client.messages(user)), default=0)
    await client.send(user, "/bantuan")
    started = time.monotonic()
    proc = await start_bot(bot_env(database_url, url, scratch), scratch, name=name)
    try:
        await client.wait(user, contains="Disposisi Bot", since_message_id=since, seconds=60)
    except BaseException:
        await proc.stop()
        raise
    return time.monotonic() - started, proc


# -- 8: durability on SQLite, synchronous=NORMAL against FULL ----------------------------------

SYNCHRONOUS = ("normal", "full")
DURABILITY_LEVELS = ("1", "8")


async def durability(scratch: Path, plan: Plan) -> dict[str, Any]:
    """What `synchronous=FULL` (an fsync of the WAL at every commit) costs against NORMAL: bare
    one-row commits through the bot's engine, then the real bot's approvals. One bot per mode,
    both running; at each level they are driven in turn, NORMAL FULL FULL NORMAL, half the time
    each, so a machine that drifts during the run weighs on both alike."""
    found: dict[str, Any] = {"filesystem": filesystem(scratch)}
    found["commits"] = {
        mode: await _bare_commits(scratch / f"commits-{mode}.db", mode, plan.durability_commits)
        for mode in SYNCHRONOUS
    }
    async with contextlib.AsyncExitStack() as stack:
        drivers: dict[str, tuple[Officials, Proc]] = {}
        for mode in SYNCHRONOUS:
            folder = scratch / mode
            folder.mkdir()
            emulator, url = await start_emulator(folder)
            stack.push_async_callback(emulator.stop)
            database_url = f"sqlite:///{folder / 'bench.db'}"
            office = await prepare(database_url, url, folder, plan.durability_proposals)
            proc = await start_bot(
                bot_env(database_url, url, folder, SQLITE_SYNCHRONOUS=mode), folder
            )
            stack.push_async_callback(proc.stop)
            client = await stack.enter_async_context(EmulatorClient(url))
            drivers[mode] = (Officials(client, office.chats), proc)
        for officials, _proc in drivers.values():
            await officials.collect_first_tasks(plan.durability_proposals)
            await officials.closed_loop(8, plan.warmup)
        for level in DURABILITY_LEVELS:
            tallies = {mode: Tally() for mode in SYNCHRONOUS}
            cpu = dict.fromkeys(SYNCHRONOUS, 0.0)
            for mode in (*SYNCHRONOUS, *reversed(SYNCHRONOUS)):
                officials, proc = drivers[mode]
                before = proc.cpu_seconds()
                tally = await officials.closed_loop(int(level), plan.durability_seconds / 2)
                cpu[mode] += proc.cpu_seconds() - before
                tallies[mode].latencies += tally.latencies
                tallies[mode].errors += tally.errors
                tallies[mode].seconds += tally.seconds
            for mode, total in tallies.items():
                used = round(cpu[mode] / total.count * 1000, 2) if total.count else None
                found.setdefault(mode, {})[level] = total.summary() | {"cpu_ms_per_approval": used}
    found["full_to_normal"] = ratio(found["full"], found["normal"])
    return found


async def _bare_commits(path: Path, mode: str, count: int) -> dict[str, float]:
    """`count` transactions of one INSERT each, through `bot.storage.db.create_engine`."""
    engine = create_engine(f"sqlite:///{path}", sqlite_synchronous=mode)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)"))
        insert = text("INSERT INTO t (x) VALUES (:x)")
        started = time.perf_counter()
        for n in range(count):
            async with engine.begin() as connection:
                await connection.execute(insert, {"x": f"persetujuan {n}"})
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {"per_second": round(count / seconds, 1), "ms": round(seconds / count * 1000, 3)}


def filesystem(folder: Path) -> str:
    """The file system under `folder` (from /proc/mounts): fsync is free on tmpfs, and its
    cost elsewhere is the disk's (or the hypervisor's), so the figures mean only as much."""
    real = str(folder.resolve())
    best = ("?", "?", "")
    for line in Path("/proc/mounts").read_text().splitlines():
        device, point, kind = line.split()[:3]
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best[2]):
            best = (kind, device, point)
    return f"{best[0]} ({best[1]} on {best[2]})"


def ratio(real: dict[str, Any], base: dict[str, Any]) -> dict[str, float | None]:
    """real ÷ baseline approvals per second, per concurrency."""
    out: dict[str, float | None] = {}
    for level, figures in base.items():
        if level in real and figures.get("per_second"):
            out[level] = round(real[level]["per_second"] / figures["per_second"], 2)
    return out


__all__ = [
    "FULL",
    "QUICK",
    "Plan",
    "Tally",
    "baseline",
    "durability",
    "filesystem",
    "memory_and_startup",
    "outbox",
    "ratio",
    "sweep",
    "workflow",
]
