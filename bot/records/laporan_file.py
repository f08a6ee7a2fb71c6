"""The compliance report made and issued: its figures measured, laid out as a PDF or a
workbook, and recorded as a `record_issued` event (who, which SOP, which period, how many
cases, the file's SHA-256)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.records import laporan_pdf, laporan_xlsx
from bot.records.cases import Period
from bot.records.issued import issued
from bot.records.laporan import report
from bot.services import access
from bot.services.context import Context

Format = Literal["pdf", "xlsx"]
FORMATS: tuple[Format, ...] = ("pdf", "xlsx")


@dataclass(frozen=True)
class Made:
    content: bytes
    cases: int  # the cases it covers
    payload: dict[str, Any] = field(default_factory=dict)  # what its `record_issued` says


async def make(
    ctx: Context,
    form: Format,
    *,
    by: int | None,
    viewer: access.Viewer | None = None,
    sop_code: str | None = None,
    period: Period | None = None,
) -> Made:
    """The report of what `viewer` may see (None: every case, for the console), issued by `by`."""
    made = await written(ctx, form, viewer=viewer, sop_code=sop_code, period=period)
    await issued(ctx, "laporan", by=by, **made.payload)
    return made


async def written(
    ctx: Context,
    form: Format,
    *,
    viewer: access.Viewer | None = None,
    sop_code: str | None = None,
    period: Period | None = None,
) -> Made:
    """The report laid out, not yet issued: the caller records it (`issued`, `issued_in`) with
    `payload`."""
    period = period or Period()
    figures = await report(ctx, viewer=viewer, sop_code=sop_code, period=period)
    writer = laporan_pdf if form == "pdf" else laporan_xlsx
    content: bytes = writer.write(figures, ctx.settings.zone)
    count = sum(s.cases for s in figures.sops)
    payload = {
        "format": form,
        "sop": sop_code,
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
        "cases": count,
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    return Made(content, count, payload)
