"""The compliance report sent by schedule (`monitoring: {schedule: bulanan | semester, to: [...]}`
in an SOP file, sops/README.md): on the first working day after each month (or half year), once
the office is open, every active holder of the roles named gets in their private chat, as a PDF,
the report of the cases registered in the period just ended that they may see (the visibility
rule: `cases` with their own Viewer, as /laporan).

Once per SOP, period and official, whichever instance or restart gets there first: the outbox
row's idempotency key is those three, and the row commits in one transaction with its
`record_issued` event (`issued_in`, scheduled). A crash before that commit leaves nothing (the
next run makes the report again); after it, the sender delivers the row as it does every
message. A day the bot was down is caught up at its next run in the month after the period
(January or July for a half year); a period older than that is left to /laporan.

The reports are made off the bot's loop (`off_loop`), one worker for all those due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core.sop.spec import MONTHLY, SopSpec
from bot.core.texts import text
from bot.records import laporan_file
from bot.records.cases import Period
from bot.records.issued import issued_in, off_loop
from bot.services import roster
from bot.services.access import Viewer
from bot.services.context import Context
from bot.services.notices import Delivery
from bot.services.uow import UnitOfWork
from bot.storage.db import read_session
from models import Official, OutboxMessage

TEMPLATE = "laporan_terjadwal"  # the caption (templates/laporan_terjadwal.j2)
HALF_YEAR_MONTHS = (1, 7)  # a half year's report is due in the month after it


@dataclass(frozen=True)
class Due:
    """A period whose report is due: from `start` (its first day) to `end` (the day after)."""

    schedule: str  # MONTHLY or SEMESTER
    label: str  # "2026-11", "2026-S2": in the idempotency key and the audit event
    start: date
    end: date

    def period(self, zone: ZoneInfo) -> Period:
        return Period(
            datetime.combine(self.start, time(), tzinfo=zone),
            datetime.combine(self.end, time(), tzinfo=zone),
        )

    def words(self) -> str:
        """ "November 2026"; "Semester II 2026 (Juli–Desember)"."""
        months = text("laporan", "months").split()
        if self.schedule == MONTHLY:
            month = months[self.start.month - 1]
            return text("laporan", "scheduled_month", month=month, year=self.start.year)
        half = text("laporan", "scheduled_halves").split()[self.start.month // 7]
        last = (self.end - timedelta(days=1)).month
        return text(
            "laporan",
            "scheduled_semester",
            half=half,
            year=self.start.year,
            first=months[self.start.month - 1],
            last=months[last - 1],
        )


def due(schedule: str, today: date) -> Due | None:
    """The period whose report is due on `today`: the month before it (monthly); the half year
    before it, in January and July only (semester)."""
    end = today.replace(day=1)
    if schedule == MONTHLY:
        start = (end - timedelta(days=1)).replace(day=1)
        return Due(schedule, f"{start:%Y-%m}", start, end)
    if today.month not in HALF_YEAR_MONTHS:
        return None
    start = date(end.year - 1, 7, 1) if end.month == 1 else date(end.year, 1, 1)
    return Due(schedule, f"{start.year}-S{1 + start.month // 7}", start, end)


def key_of(code: str, period: Due, official_id: int) -> str:
    return f"laporan:{code}:{period.label}:{official_id}"


@dataclass(frozen=True)
class Reader:
    """An official the report is due to, in their private chat."""

    official_id: int
    chat: int
    key: str


async def send_due(ctx: Context) -> int:
    """Queue every scheduled report due now that is not yet queued; returns how many."""
    now = ctx.clock.now()
    if not ctx.calendar.is_working_time(now):
        return 0
    today = now.astimezone(ctx.calendar.tz).date()
    sent = 0
    for spec in ctx.sops.latest():
        schedule = spec.monitoring.schedule
        period = due(schedule, today) if schedule is not None else None
        if period is None:
            continue
        readers = await _waiting(ctx, spec, period, now)
        if readers:
            sent += await _send(ctx, spec, period, readers)
    return sent


async def _waiting(ctx: Context, spec: SopSpec, period: Due, now: datetime) -> list[Reader]:
    """The holders of the SOP's `to` roles now, each once, who have started the bot and not yet
    had this period's report."""
    async with read_session(ctx.engine) as session:
        found: dict[int, Reader] = {}
        for role in spec.monitoring.to:
            for official in await roster.holders(session, role, now):
                if official.telegram_user_id is not None and official.id not in found:
                    key = key_of(spec.code, period, official.id)
                    found[official.id] = Reader(official.id, official.telegram_user_id, key)
        if not found:
            return []
        done = set(
            await session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.in_([r.key for r in found.values()])
                )
            )
        )
    return [r for r in found.values() if r.key not in done]


async def _send(ctx: Context, spec: SopSpec, period: Due, readers: list[Reader]) -> int:
    zone = ctx.settings.zone

    async def make(worker: Context) -> list[tuple[Reader, laporan_file.Made, str]]:
        async with read_session(worker.engine) as session:
            ids = [r.official_id for r in readers]
            officials = {
                o.id: o for o in await session.scalars(select(Official).where(Official.id.in_(ids)))
            }
        made = []
        for reader in readers:
            viewer = Viewer(officials[reader.official_id])
            report = await laporan_file.written(
                worker, "pdf", viewer=viewer, sop_code=spec.code, period=period.period(zone)
            )
            made.append((reader, report, worker.archive.store(report.content).path))
        return made

    sent = 0
    name = text("laporan", "scheduled_file_name", sop=spec.code, period=period.label)
    for reader, report, path in await off_loop(ctx, make):
        context = {
            "file": {"archive_path": path, "name": name, "sha256": report.payload["sha256"]},
            "sop": spec.header.name,
            "period": period.words(),
            "schedule": period.schedule,
            "cases": report.cases,
        }
        delivery = Delivery(reader.chat, TEMPLATE, context, reader.key)
        try:
            async with UnitOfWork(ctx) as uow:
                issued_in(
                    uow,
                    "laporan",
                    by=None,
                    deliveries=[delivery],
                    scheduled=True,
                    period=period.label,
                    to=reader.official_id,
                    **report.payload,
                )
                await uow.commit()
        except IntegrityError:  # another instance queued this one first
            continue
        sent += 1
    return sent
