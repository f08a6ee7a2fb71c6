"""The records asked for in Telegram: the register (/rekap), the compliance report (/laporan) and
the disposition sheet (its button), each made and archived but not yet recorded. The handler
records it with its delivery in one transaction (`issued.issued_to`): a record on file is a
record on its way, and a send Telegram refused is retried by the sender from the archive.

Each is called off the bot's loop (`issued.off_loop`), the archiving too: a register of 100,000
cases is megabytes to hash and write."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from bot.records import laporan_file, lembar
from bot.records.cases import Period
from bot.records.rekap import write_register
from bot.services import access
from bot.services.context import Context
from bot.storage.archive import Stored


@dataclass(frozen=True)
class Made:
    """A register or a report: in the archive (`stored`; None when it holds no case, and then
    nothing was kept), its cases, and what its `record_issued` says (`payload`)."""

    stored: Stored | None
    cases: int
    payload: dict[str, Any]
    restricted: int = 0  # the restricted cases it holds
    sheets: tuple[str, ...] = ()  # a register's sheets: SOP codes, in order


async def register(
    ctx: Context, *, viewer: access.Viewer, sop_code: str | None, period: Period
) -> Made:
    """The register of what `viewer` may see (`rekap.write_register`)."""
    written = io.BytesIO()  # archived as a whole: no file of its own to write and read back
    made = await write_register(ctx, written, viewer=viewer, sop_code=sop_code, period=period)
    stored = ctx.archive.store(written.getvalue()) if made.cases else None
    payload = {
        "sop": sop_code,
        # as the console's `disposisi rekap` records its period
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
        "cases": made.cases,
        "restricted": made.restricted,
        "sha256": stored.sha256 if stored else None,
    }
    return Made(stored, made.cases, payload, made.restricted, tuple(made.sheets))


async def report(
    ctx: Context, *, viewer: access.Viewer, sop_code: str | None, period: Period
) -> Made:
    """The compliance report, as a PDF, of what `viewer` may see (`laporan_file.written`)."""
    made = await laporan_file.written(ctx, "pdf", viewer=viewer, sop_code=sop_code, period=period)
    stored = ctx.archive.store(made.content) if made.cases else None
    return Made(stored, made.cases, made.payload)


@dataclass(frozen=True)
class Sheet:
    issued: lembar.Issued
    stored: Stored  # the PDF in the archive
    proposal_id: int
    payload: dict[str, Any]  # what its `record_issued` says, as `lembar.issue` records it


async def sheet(ctx: Context, number: str, *, viewer: access.Viewer, by: int) -> Sheet:
    """The disposition sheet of case `number` for `viewer` as of now (`lembar.make`; NotVisible,
    RestrictedInGroup as `lembar.gather`), archived."""
    made = await lembar.make(ctx, number, viewer=viewer, by=by)
    stored = ctx.archive.store(made.sheet.content)
    return Sheet(made.sheet, stored, made.proposal_id, made.payload)
