"""`disposisi laporan`: the SOP compliance report (laporan monev SOP) of every case, from the
console, written to a PDF or a workbook (the figures and the writers are `bot.records`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.core.config import load_settings
from bot.core.texts import text
from bot.tools import console
from bot.tools.database import ready
from bot.tools.options import bound_day
from bot.tools.sop_files import sop_codes


def laporan(args: argparse.Namespace) -> int:
    from bot.records.cases import Period
    from bot.records.laporan_file import FORMATS, make
    from bot.services.context import build_context

    settings = load_settings()
    out = Path(args.out)
    form = out.suffix.lower().lstrip(".")
    if form not in FORMATS:
        print(text("cli", "laporan_format", file=str(out)), file=sys.stderr)
        return 2
    if args.sop is not None and args.sop not in sop_codes(settings):
        print(text("cli", "unknown_sop", option="--sop", code=args.sop), file=sys.stderr)
        return 2
    try:
        start = bound_day(args.start, "--from", last=False)
        end = bound_day(args.end, "--to", last=True)
    except ValueError:
        return 2
    if start and end and end < start:
        print(text("cli", "laporan_backwards", start=start, end=end), file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(text("cli", "laporan_no_folder", folder=str(out.parent)), file=sys.stderr)
        return 2
    refused = console.blocked(out)
    if refused is not None:  # asked first: a report made is recorded issued
        why = console.why(refused, out)
        print(text("cli", "laporan_unwritable", file=str(out), reason=why), file=sys.stderr)
        return 2
    period = Period.of_days(start, end, settings.zone)

    async def run() -> tuple[bytes, int]:
        ctx = build_context(settings)
        try:
            await ready(ctx.engine)
            made = await make(ctx, form, by=None, sop_code=args.sop, period=period)
            return made.content, made.cases
        finally:
            await ctx.close()

    content, cases = asyncio.run(run())
    try:
        out.write_bytes(content)
    except OSError as exc:
        why = console.why(exc, out)
        print(text("cli", "laporan_unwritable", file=str(out), reason=why), file=sys.stderr)
        return 2
    print(text("cli", "laporan_written", file=str(out), cases=cases))
    return 0
