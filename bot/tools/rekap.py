"""`disposisi rekap [--sop CODE] [--from DATE] [--to DATE] --out FILE.xlsx`: the register of
every case (the operator at the console sees all), a sheet per SOP (`bot.records.rekap`).

What the operator typed is checked before anything is read: the dates, the file's suffix, the
SOP code; the file is written beside its name and put in place whole, so a failed run leaves no
half register, and an unwritable place is said at once."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import load_settings
from bot.core.texts import text
from bot.records.cases import Period
from bot.tools.console import why
from bot.tools.database import ready
from bot.tools.options import bound_day

if TYPE_CHECKING:
    from bot.services.context import Context


def rekap(args: argparse.Namespace) -> int:
    from bot.services.context import build_context

    settings = load_settings()
    try:
        start = bound_day(args.start, "--from", last=False)
        end = bound_day(args.end, "--to", last=True)
    except ValueError:
        return 2
    if start and end and start > end:
        print(text("cli", "rekap_backwards", start=start, end=end), file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(text("cli", "rekap_not_xlsx", path=out), file=sys.stderr)
        return 2
    if out.is_dir():
        said = text("cli", "rekap_unwritable", path=out, reason=text("cli", "why_a_folder"))
        print(said, file=sys.stderr)
        return 2
    period = Period.of_days(start, end, settings.zone)

    async def run() -> int:
        ctx = build_context(settings)
        try:
            await ready(ctx.engine)
            if args.sop is not None and args.sop not in ctx.sops:
                known = ", ".join(spec.code for spec in ctx.sops.latest())
                said = text("cli", "rekap_unknown_sop", code=args.sop, known=known)
                print(said, file=sys.stderr)
                return 2
            return await _write(ctx, out, args.sop, period)
        finally:
            await ctx.close()

    return asyncio.run(run())


async def _write(ctx: Context, out: Path, sop: str | None, period: Period) -> int:
    from bot.records.issued import issued
    from bot.records.rekap import write_register

    partial = out.with_name(f".{out.name}.part")
    try:
        handle = partial.open("wb")
    except OSError as exc:
        print(text("cli", "rekap_unwritable", path=out, reason=why(exc, out)), file=sys.stderr)
        return 2
    try:
        with handle:
            made = await write_register(ctx, handle, sop_code=sop, period=period)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    await issued(
        ctx,
        "rekap",
        by=None,
        sop=sop,
        start=period.start.isoformat() if period.start else None,
        end=period.end.isoformat() if period.end else None,
        cases=made.cases,
        restricted=made.restricted,
    )
    sheets = ", ".join(made.sheets) or "-"
    print(text("cli", "rekap_written", path=out, cases=made.cases, sheets=sheets))
    return 0
