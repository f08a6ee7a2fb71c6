"""8: the office's records at scale — every case of a big database read for the register and
the report, each in a child process of its own, whose time and peak memory (max RSS, from the
kernel's accounting of that child) are the figures. Targets: under 10 s and 300 MB at 100,000
cases with their full history."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import bulk
from bench.office import local_settings
from bench.scenarios import WIB, Plan
from bot.services.context import build_context
from bot.services.officials import add_official, assign_role
from bot.storage import migrate
from bot.storage.db import create_engine

# What a child does with the database (python -m bench.records_child WHAT URL OUT): read every
# case as the records do, or write one of the records.
WORK = ("stream", "rekap", "laporan_pdf", "laporan_xlsx")


async def records(scratch: Path, plan: Plan, database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    ctx = build_context(local_settings(database_url, scratch), engine=engine)
    try:
        await migrate.upgrade(engine)
        holders = {}
        for _, role in bulk.STEPS:
            if role not in holders:
                holders[role] = await add_official(ctx, name=f"Pejabat {role}")
                await assign_role(ctx, official_id=holders[role], role=role)
        loaded = time.perf_counter()
        await bulk.history(engine, plan.records_cases, holders, datetime.now(WIB), 0)
        await bulk.fix_sequences(engine)
        load_seconds = time.perf_counter() - loaded
    finally:
        await ctx.close()
    found: dict[str, Any] = {
        "cases": plan.records_cases,
        "rows_loaded_seconds": round(load_seconds, 1),
    }
    for what in WORK:
        found[what] = await asyncio.to_thread(_child, what, database_url, scratch)
    return found


def _child(what: str, database_url: str, scratch: Path) -> dict[str, Any]:
    """Run one piece of work in a fresh interpreter: its wall time and its own peak RSS."""
    out = scratch / f"{what}.out"
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.records_child", what, database_url, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"SOP_DIR": ""},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    said = (proc.stdout.read() if proc.stdout else b"").decode().strip()
    if status != 0:
        error = (proc.stderr.read() if proc.stderr else b"").decode()[-300:]
        return {"error": error or f"exit {status}"}
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),  # steady on a busy machine
        "peak_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "said": said,
        "bytes": out.stat().st_size if out.exists() else None,
    }
