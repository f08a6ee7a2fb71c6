"""`disposisi lembar NOMOR --out FILE.pdf` and `disposisi audit cek KODE`: the disposition sheet
of a case, made at the console, and the check of a sheet's verification code."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.core.config import load_settings
from bot.core.texts import text
from bot.tools.console import as_text, blocked, why
from bot.tools.database import ready


def lembar(args: argparse.Namespace) -> int:
    """The sheet as of now, written to --out, recorded issued (by the console)."""
    from bot.records.lembar import Issued, issue, shown
    from bot.services.context import build_context
    from bot.services.errors import NotVisible

    out = Path(args.out)
    problem = _unwritable(out)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    settings = load_settings()

    async def run() -> Issued:
        ctx = build_context(settings)
        try:
            await ready(ctx.engine)
            return await issue(ctx, args.number, viewer=None, by=None)
        finally:
            await ctx.close()

    try:
        made = asyncio.run(run())
    except NotVisible:
        print(text("cli", "lembar_unknown", number=args.number.strip()), file=sys.stderr)
        return 2
    try:
        out.write_bytes(made.content)
    except OSError as exc:
        print(text("cli", "lembar_unwritable", out=out, error=why(exc, out)), file=sys.stderr)
        return 2
    print(text("cli", "lembar_made", number=made.number, out=out, code=shown(made.code)))
    return 0


def _unwritable(out: Path) -> str | None:
    """Why --out cannot take the sheet, asked before it is made (a sheet made is recorded)."""
    if out.suffix.lower() != ".pdf":
        return text("cli", "lembar_not_pdf", out=out)
    refused = blocked(out)
    if refused is not None:
        return text("cli", "lembar_unwritable", out=out, error=why(refused, out))
    return None


def check(args: argparse.Namespace) -> int:
    """What /cek says, for the operator: exit 0 for a sheet issued, 1 for a code refused."""
    from bot.records.lembar import Checked
    from bot.records.lembar import check as check_code
    from bot.services.context import build_context

    settings = load_settings()

    async def run() -> Checked:
        ctx = build_context(settings)
        try:
            await ready(ctx.engine)
            return await check_code(ctx, args.code, viewer=None, by=None)
        finally:
            await ctx.close()

    found = asyncio.run(run())
    said = as_text(settings.zone, "cek", {"found": found})  # the template is Telegram's
    print(said, file=sys.stdout if found.ok else sys.stderr)
    return 0 if found.ok else 1
