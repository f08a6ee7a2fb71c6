"""Every case a record covers, read once and streamed: its register line and its steps' times.

Cases are read in batches by id (keyset, not OFFSET), each batch with its tasks, documents and
registrars in three more queries, so a register of 100,000 cases holds one batch at a time. Who
may have a record follows the visibility rule (`access.visible`); the operator at the console
(`viewer` None) has every case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.sop.spec import SopSpec
from bot.records.timeline import TASK_COLUMNS, StepTime, TaskRow, step_times
from bot.services import access, intake_fields
from bot.services.context import Context
from bot.storage.db import read_session
from models import Document, Official, Proposal, Task

BATCH = 500


@dataclass
class CaseRecord:
    """One line of the register, with the steps behind it."""

    id: int
    number: str
    sop_code: str
    sop_version: str
    sop_name: str
    registered_at: datetime
    closed_at: datetime | None
    title: str
    kind: str | None
    kind_title: str | None
    origin: str
    origin_label: str | None  # the SOP's word for the origin; None: the neutral one
    registrar: str
    status: str  # "berjalan" or "selesai"
    outcome: str | None  # the outcome's key
    outcome_title: str | None
    verdict: str | None
    fields: list[dict[str, str]]  # the SOP's own intake answers, as messages show them
    restricted: bool  # its klasifikasi keeps it off group chats
    steps: list[StepTime]
    documents: list[tuple[str, str]] = field(default_factory=list)  # (document title, file)
    answers: dict[str, Any] = field(default_factory=dict)  # the same answers as stored, by key

    @property
    def current(self) -> StepTime | None:
        """The step the case waits in, if open."""
        return next((s for s in reversed(self.steps) if s.open), None)

    @property
    def took_minutes(self) -> int:
        """Working minutes the steps took, one after another (parallel tasks count once)."""
        return sum(s.took_minutes for s in self.steps)

    @property
    def standard_minutes(self) -> int:
        """The steps' standards in minutes added up (days standards are counted apart)."""
        return sum(s.limit_minutes or s.standard_minutes for s in self.steps)

    @property
    def within(self) -> bool:
        return all(s.within for s in self.steps)


@dataclass(frozen=True)
class Period:
    """Cases registered from `start` (inclusive) to `end` (exclusive); None: no bound."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of_days(cls, first: date | None, last: date | None, zone: ZoneInfo) -> Period:
        """From the start of `first` to the end of `last` (both included), in the office's
        zone. A day at the calendar's end (--to 9999-12-31, --from 0001-01-01) bounds nothing:
        every case lies within it, and its moment cannot be written in UTC."""
        return cls(_start_of(first, zone), _start_of(last, zone, after=True))

    def condition(self) -> ColumnElement[bool]:
        found: list[ColumnElement[bool]] = []
        if self.start is not None:
            found.append(Proposal.registered_at >= self.start)
        if self.end is not None:
            found.append(Proposal.registered_at < self.end)
        return and_(true(), *found)


def _start_of(day: date | None, zone: ZoneInfo, *, after: bool = False) -> datetime | None:
    """The start of `day` (of the day after it), or None where that moment is out of range."""
    if day is None:
        return None
    try:
        moment = datetime.combine(day + timedelta(days=1) if after else day, time(0), zone)
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


async def cases(
    ctx: Context,
    *,
    viewer: access.Viewer | None = None,
    sop_code: str | None = None,
    period: Period = Period(),
    batch: int = BATCH,
    number: str | None = None,
) -> AsyncIterator[CaseRecord]:
    """Each case of `sop_code` (or of every SOP) registered in `period` that `viewer` may see,
    by registration (id) order, with its steps measured as of now; with `number`, that one."""
    now = ctx.clock.now()
    last = 0
    async with read_session(ctx.engine) as session:
        seeing: ColumnElement[bool] = true()
        params: dict[str, object] = {}
        if viewer is not None:
            seeing = await access.visible(session, viewer, ctx.sops, now)
            params = access.params(viewer, now)
        which = and_(period.condition(), seeing)
        if sop_code is not None:
            which = and_(which, Proposal.sop_code == sop_code)
        if number is not None:
            which = and_(which, Proposal.number == number.strip())
        registrar = aliased(Official)
        while True:
            rows = (
                await session.execute(
                    select(Proposal, registrar.name)
                    .join(registrar, registrar.id == Proposal.registered_by_id)
                    .where(which, Proposal.id > last)
                    .order_by(Proposal.id)
                    .limit(batch),
                    params,
                )
            ).all()
            if not rows:
                return
            ids = [p.id for p, _ in rows]
            tasks = await _tasks(session, ids)
            docs = await _documents(session, ids)
            for proposal, registrar_name in rows:
                spec = _spec(ctx, proposal)
                if spec is None:
                    continue  # its SOP version has left SOP_DIR: nothing to measure it by
                yield _record(
                    ctx, spec, proposal, registrar_name, tasks[proposal.id], docs[proposal.id], now
                )
            last = ids[-1]


def _spec(ctx: Context, proposal: Proposal) -> SopSpec | None:
    try:
        return ctx.spec_of(proposal)
    except KeyError:
        return None


async def _tasks(session: AsyncSession, ids: list[int]) -> dict[int, list[TaskRow]]:
    done_by = aliased(Official)
    found: dict[int, list[TaskRow]] = defaultdict(list)
    # Plain rows, not ORM objects: a register reads millions of tasks, and only these columns.
    result = await session.execute(
        select(*TASK_COLUMNS, done_by.name.label("done_by"))
        .outerjoin(done_by, done_by.id == Task.completed_by_id)
        .where(Task.proposal_id.in_(ids))
        .order_by(Task.id)
    )
    for row in result:
        found[row.proposal_id].append((row, row.done_by))
    return found


async def _documents(session: AsyncSession, ids: list[int]) -> dict[int, list[Document]]:
    found: dict[int, list[Document]] = defaultdict(list)
    result = await session.scalars(
        select(Document).where(Document.proposal_id.in_(ids)).order_by(Document.id)
    )
    for document in result:
        found[document.proposal_id].append(document)
    return found


def _record(
    ctx: Context,
    spec: SopSpec,
    proposal: Proposal,
    registrar: str,
    rows: list[TaskRow],
    documents: list[Document],
    now: datetime,
) -> CaseRecord:
    kind = spec.kinds.get(proposal.kind) if proposal.kind else None
    outcome = spec.outcomes.get(proposal.outcome or "")
    steps = step_times(spec, rows, ctx.calendar, now, ctx.settings.default_step_minutes)
    titles = {k: d.title for k, d in spec.documents.items()}
    return CaseRecord(
        id=proposal.id,
        number=proposal.number,
        sop_code=spec.code,
        sop_version=spec.version,
        sop_name=spec.header.name,
        registered_at=proposal.registered_at,
        closed_at=proposal.closed_at,
        title=proposal.title,
        kind=proposal.kind,
        kind_title=kind.title if kind else None,
        origin=proposal.origin,
        origin_label=spec.intake.origin_shown,
        registrar=registrar,
        status=proposal.status,
        outcome=proposal.outcome,
        outcome_title=outcome.title if outcome else None,
        verdict=proposal.verdict,
        fields=intake_fields.shown(spec, proposal.fields),
        restricted=spec.restricted(proposal.fields),
        steps=steps,
        documents=[(titles.get(d.kind, d.kind), d.file_name) for d in documents],
        answers=dict(proposal.fields or {}),
    )
