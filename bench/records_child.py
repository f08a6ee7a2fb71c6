"""python -m bench.records_child WHAT DATABASE_URL OUT: one piece of the records bench, alone
in this process so that its peak memory is its own (bench/records.py)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench.office import local_settings
from bot.records.cases import cases
from bot.services.context import build_context


async def main(what: str, database_url: str, out: Path) -> str:
    ctx = build_context(local_settings(database_url, Path(tempfile.mkdtemp())))
    try:
        if what == "stream":
            count = steps = 0
            async for case in cases(ctx):
                count += 1
                steps += len(case.steps)
            return f"{count} cases, {steps} steps"
        raise SystemExit(f"unknown work {what!r}")
    finally:
        await ctx.close()


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
