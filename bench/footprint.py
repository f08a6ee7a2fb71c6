"""What the bot costs to keep: memory and start-up on a loaded database, and what SQLite's
`synchronous=FULL` costs against NORMAL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import bulk
from bench.drive import Officials, Tally
from bench.office import CHAIN, OTHERS, local_settings, prepare, users
from bench.procs import Proc, bot_env, start_bot, start_emulator
from bench.scenarios import WIB, Plan, ratio
from bot.services.context import build_context
from bot.services.officials import add_official, assign_role
from bot.storage import migrate
from bot.storage.db import create_engine
from emulator.client import EmulatorClient

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
