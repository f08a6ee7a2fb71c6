"""The SOP compliance report (laporan monev SOP): the figures, per SOP version, per step and per
official, drawn in one streamed pass over `cases` and the refusals and reminders recorded for
them; the writers (`laporan_pdf`, `laporan_xlsx`) only lay them out.

Per step, over its activations (a case passing through it; again after a return): those
finished, with the median and 90th percentile of their working time (nearest rank), how many
were within the standard (`StepTime.within`, the one measure), returned (sent back), forwarded,
reminded, and the tasks whose first try lacked a document (an `action_refused` event with
`document_missing`); those still open, and of them the ones already past the standard. Per
official: tasks completed, of them late (their own task past the due moment), and reminders
received (`task_nudged` events sent to them). A step "berjalan baik" when its share within the
standard reaches the SOP's `monitoring.threshold` (80 % unless the file says otherwise).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.sop.duration import format_day_standard
from bot.records.cases import CaseRecord, Period, cases
from bot.records.timeline import StepTime
from bot.services import access
from bot.services.context import Context
from bot.storage.db import read_session
from models import Event, Official

BATCH = 500
WEEKLY_UP_TO_DAYS = 92  # a period up to a quarter is shown week by week, a longer one by month
REFUSED, NUDGED = "action_refused", "task_nudged"
MISSING = "document_missing"


def percentile(times: Counter[int], share: float) -> int | None:
    """The nearest-rank percentile of working minutes counted in `times` (None: no time)."""
    count = sum(times.values())
    if count == 0:
        return None
    rank, seen = max(1, math.ceil(share * count)), 0
    for minutes in sorted(times):
        seen += times[minutes]
        if seen >= rank:
            return minutes
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class StepFigures:
    key: str
    number: int
    title: str
    activity: str
    standard: str | None  # as the SOP writes it; None: the office's default is assumed
    standard_minutes: int  # what it is held to in working minutes (a range's limit); 0 in days
    standard_days: int  # a standard in working days (0 in minutes)
    standard_words: str | None  # a day standard in words ("10 hari kerja")
    handled: int = 0  # activations finished
    within: int = 0  # of them, within the standard
    returned: int = 0  # of them, sending the case back
    forwarded: int = 0  # of them, passed on to a colleague
    reminders: int = 0  # reminders sent for its tasks
    missing_documents: int = 0  # tasks whose first try lacked a required document
    running: int = 0  # activations still open
    running_late: int = 0  # of them, already past the standard
    times: Counter[int] = field(default_factory=Counter)  # finished: working minutes -> count

    @property
    def median(self) -> int | None:
        return percentile(self.times, 0.5)

    @property
    def p90(self) -> int | None:
        return percentile(self.times, 0.9)

    @property
    def share(self) -> float | None:
        """The share of finished activations within the standard (None: none finished)."""
        return self.within / self.handled if self.handled else None

    def good(self, threshold: float) -> bool | None:
        """Berjalan baik? None when no activation finished in the period (nothing to judge)."""
        share = self.share
        return None if share is None else share >= threshold - 1e-9

    def count(self, run: StepTime) -> None:
        self.reminders += run.reminders
        if run.open:
            self.running += 1
            self.running_late += not run.within
            return
        self.handled += 1
        self.within += run.within
        self.returned += run.returned
        self.forwarded += run.forwarded
        self.times[run.took_minutes] += 1


@dataclass
class OfficialFigures:
    name: str
    tasks: int = 0  # tasks completed
    late: int = 0  # of them, past their due moment
    reminders: int = 0  # reminders received


@dataclass
class Trend:
    """Finished activations of every step, by the week (or month) they ended in."""

    start: date  # the Monday of the week, or the first of the month
    handled: int = 0
    within: int = 0

    @property
    def share(self) -> float | None:
        return self.within / self.handled if self.handled else None


@dataclass
class SopFigures:
    code: str
    version: str
    name: str
    institution: str
    unit: str | None
    number: str  # Nomor SOP
    threshold: float
    steps: dict[str, StepFigures] = field(default_factory=dict)
    officials: dict[str, OfficialFigures] = field(default_factory=dict)
    days: dict[date, Trend] = field(default_factory=dict)  # by the day steps ended
    trend: dict[date, Trend] = field(default_factory=dict)  # by week or month, once all are read
    cases: int = 0
    closed: int = 0

    @property
    def ordered_steps(self) -> list[StepFigures]:
        return sorted(self.steps.values(), key=lambda s: (s.number, s.key))

    @property
    def ordered_officials(self) -> list[OfficialFigures]:
        return sorted(self.officials.values(), key=lambda o: o.name.casefold())

    @property
    def ordered_trend(self) -> list[Trend]:
        return [self.trend[k] for k in sorted(self.trend)]

    def official(self, name: str, who: int | None = None) -> OfficialFigures:
        """The figures of one official: by id (two may share a name), else by name."""
        return self.officials.setdefault(
            str(who) if who is not None else name, OfficialFigures(name)
        )


@dataclass
class Report:
    made_at: datetime
    period: Period
    sop_code: str | None
    by_month: bool  # the trend by month (a long period), else by week
    sops: list[SopFigures]
    viewer: str | None = None  # whose view (None: the whole office, from the console)
    # a working day's minutes, on average over the office's open weekdays: how a chart draws a
    # standard in working days beside the steps measured in minutes
    day_minutes: int = 480


async def report(
    ctx: Context,
    *,
    viewer: access.Viewer | None = None,
    sop_code: str | None = None,
    period: Period | None = None,
) -> Report:
    """The figures of every case `viewer` may see, of `sop_code` (or every SOP), registered in
    `period`, measured as of now."""
    period = period or Period()
    now = ctx.clock.now()
    zone = ctx.settings.zone
    found: dict[tuple[str, str], SopFigures] = {}
    pending: dict[int, SopFigures] = {}  # cases whose refusals and reminders are still to read
    async for case in cases(ctx, viewer=viewer, sop_code=sop_code, period=period):
        figures = found.get((case.sop_code, case.sop_version))
        if figures is None:
            figures = _empty(ctx, case.sop_code, case.sop_version)
            found[(case.sop_code, case.sop_version)] = figures
        _count(figures, case, zone)
        pending[case.id] = figures
        if len(pending) >= BATCH:
            await _events(ctx, pending)
            pending = {}
    if pending:
        await _events(ctx, pending)
    if sop_code is not None and not found:  # the SOP asked for, with no case: reported empty
        spec = ctx.sops.get(sop_code)
        found[(spec.code, spec.version)] = _empty(ctx, spec.code, spec.version)
    sops = [found[k] for k in sorted(found)]
    first = min((day for sop in sops for day in sop.days), default=None)
    by_month = _by_month(period, first, now.astimezone(zone).date(), zone)
    for sop in sops:
        _trend(sop, by_month)
    who = viewer.official.name if viewer is not None else None
    return Report(now, period, sop_code, by_month, sops, who, _day_minutes(ctx))


def _day_minutes(ctx: Context) -> int:
    windows = ctx.calendar.hours.windows.values()
    spans = [(close.hour * 60 + close.minute) - (o.hour * 60 + o.minute) for o, close in windows]
    return round(sum(spans) / len(spans))


def _by_month(period: Period, first: date | None, today: date, zone: ZoneInfo) -> bool:
    """By month when the period (or, unbounded, the days with figures) is longer than a quarter."""
    start = period.start.astimezone(zone).date() if period.start else first
    end = period.end.astimezone(zone).date() if period.end else today
    return start is not None and (end - start).days > WEEKLY_UP_TO_DAYS


def _trend(sop: SopFigures, by_month: bool) -> None:
    for day, counted in sorted(sop.days.items()):
        start = day.replace(day=1) if by_month else day - timedelta(days=day.weekday())
        trend = sop.trend.setdefault(start, Trend(start))
        trend.handled += counted.handled
        trend.within += counted.within


def _empty(ctx: Context, code: str, version: str) -> SopFigures:
    spec = ctx.sops.get(code, version)
    default = ctx.settings.default_step_minutes
    figures = SopFigures(
        code=code,
        version=version,
        name=spec.header.name,
        institution=spec.header.institution,
        unit=spec.header.unit,
        number=spec.header.number,
        threshold=spec.monitoring.threshold,
    )
    for step in spec.steps:  # every step is reported, handled or not, in the SOP's order
        time = step.time
        in_days = time.target_days is not None
        figures.steps[step.key] = StepFigures(
            key=step.key,
            number=step.number,
            title=step.short_title,
            activity=step.activity,
            standard=time.text,
            standard_minutes=0 if in_days else time.limit_minutes or time.target_minutes or default,
            standard_days=(time.limit_days or time.target_days or 0) if in_days else 0,
            standard_words=format_day_standard(time) if in_days else None,
        )
    return figures


def _count(figures: SopFigures, case: CaseRecord, zone: ZoneInfo) -> None:
    figures.cases += 1
    figures.closed += case.status != "berjalan"
    for run in case.steps:
        step = figures.steps.get(run.key)
        if step is None:  # pragma: no cover - a case's steps are its version's
            continue
        step.count(run)
        for name, who in zip(run.done_by, run.done_by_ids, strict=True):
            figures.official(name, who).tasks += 1
        for name, who in zip(run.late_done_by, run.late_done_by_ids, strict=True):
            figures.official(name, who).late += 1
        if run.ended_at is not None:
            ended = datetime.fromisoformat(run.ended_at).astimezone(zone).date()
            day = figures.days.setdefault(ended, Trend(ended))
            day.handled += 1
            day.within += run.within


async def _events(ctx: Context, pending: dict[int, SopFigures]) -> None:
    """The refusals for a missing document, and the reminders, of the cases in `pending`."""
    missing: set[tuple[int, str, int | None]] = set()
    reminded: dict[tuple[int, int], int] = defaultdict(int)  # (case, official) -> reminders
    async with read_session(ctx.engine) as session:
        rows = await session.execute(
            select(Event.proposal_id, Event.type, Event.step_key, Event.task_id, Event.payload)
            .where(Event.proposal_id.in_(list(pending)), Event.type.in_((REFUSED, NUDGED)))
            .order_by(Event.id)
        )
        for proposal_id, kind, step_key, task_id, payload in rows:
            payload = payload or {}
            if kind == REFUSED and payload.get("code") == MISSING and step_key:
                missing.add((proposal_id, step_key, task_id))
            elif kind == NUDGED and isinstance(payload.get("to"), int):
                reminded[(proposal_id, payload["to"])] += 1
        names = await _names(session, {official for _, official in reminded})
    for proposal_id, step_key, _ in missing:
        step = pending[proposal_id].steps.get(step_key)
        if step is not None:
            step.missing_documents += 1
    for (proposal_id, official), count in reminded.items():
        if official in names:
            pending[proposal_id].official(names[official], official).reminders += count


async def _names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = await session.execute(select(Official.id, Official.name).where(Official.id.in_(wanted)))
    return {official_id: name for official_id, name in rows}
