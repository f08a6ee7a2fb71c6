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
        # Each loads only its own libraries: the peak memory is the piece's, not all of them.
        if what == "rekap":
            from bot.records.rekap import write_register

            made = await write_register(ctx, str(out))
            return f"{made.cases} rows"
        if what in ("laporan_pdf", "laporan_xlsx"):
            from bot.records import laporan_pdf, laporan_xlsx
            from bot.records.laporan import report

            figures = await report(ctx)
            write = laporan_pdf.write if what == "laporan_pdf" else laporan_xlsx.write
            data = write(figures, ctx.settings.zone)
            await asyncio.to_thread(out.write_bytes, data)
            return f"{sum(s.cases for s in figures.sops)} cases"
        raise SystemExit(f"unknown work {what!r}")
    finally:
        await ctx.close()


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
