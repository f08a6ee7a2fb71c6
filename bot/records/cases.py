"""Every case a record covers, read once and streamed: its register line and its steps' times.

Cases are read in batches by id (keyset, not OFFSET), each batch with its tasks, documents and
registrars in three more queries, so a register of 100,000 cases holds one batch at a time. Who
may have a record follows the visibility rule (`access.visible`); the operator at the console
(`viewer` None) has every case.
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, String, and_, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from bot.core.sop.spec import SopSpec
from bot.records.timeline import StepTime, TaskRow, standard_minutes, step_times
from bot.services import access, intake_fields
from bot.services.context import Context
from bot.storage.db import read_session
from models import Document, Official, Proposal, Task
from models.base import stored_moment

BATCH = 500
# What a register line reads of a proposal: plain rows, not ORM objects.
PROPOSAL_COLUMNS = (
    Proposal.id,
    Proposal.number,
    Proposal.sop_code,
    Proposal.sop_version,
    Proposal.registered_at,
    Proposal.closed_at,
    Proposal.title,
    Proposal.kind,
    Proposal.origin,
    Proposal.status,
    Proposal.outcome,
    Proposal.verdict,
    Proposal.fields,
)


@dataclass(slots=True)
class TaskTimes:
    """What the measure reads of a task (`timeline.TaskLike`), as a bulk read gives it."""

    step_key: str
    activation: int
    started_at: datetime
    completed_at: datetime | None
    target_due_at: datetime | None
    limit_due_at: datetime | None
    action: str | None
    option: str | None
    forwarded_to_id: int | None
    reminders_sent: int
    completed_by_id: int | None


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
        return standard_minutes(self.steps)

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
    # One generator, not one wrapping another: a caller that stops early leaves it to asyncio
    # to close, and asyncio closes every generator it knows at once ("already running").
    with _fewer_collections():
        async with read_session(ctx.engine) as session:
            which, params = await _covered(session, ctx, viewer, period, now)
            if sop_code is not None:
                which = and_(which, Proposal.sop_code == sop_code)
            if number is not None:
                which = and_(which, Proposal.number == number.strip())
            registrar = aliased(Official)
            connection = await session.connection()
            while True:
                rows = (
                    await connection.execute(
                        select(*PROPOSAL_COLUMNS, registrar.name.label("registrar"))
                        .join(registrar, registrar.id == Proposal.registered_by_id)
                        .where(which, Proposal.id > last)
                        .order_by(Proposal.id)
                        .limit(batch),
                        params,
                    )
                ).all()
                if not rows:
                    return
                ids = [row.id for row in rows]
                tasks = await _tasks(connection, ids)
                docs = await _documents(connection, ids)
                for row in rows:
                    spec = _spec(ctx, row.sop_code, row.sop_version)
                    if spec is None:
                        continue  # its SOP version has left SOP_DIR: nothing to measure it by
                    yield _record(ctx, spec, row, tasks[row.id], docs[row.id], now)
                last = ids[-1]


async def sops_with_cases(
    ctx: Context,
    *,
    viewer: access.Viewer | None = None,
    codes: list[str],
    period: Period = Period(),
) -> set[str]:
    """Those of `codes` with a case in `period` that `viewer` may see."""
    async with read_session(ctx.engine) as session:
        which, params = await _covered(session, ctx, viewer, period, ctx.clock.now())
        found = await session.scalars(
            select(Proposal.sop_code).distinct().where(which, Proposal.sop_code.in_(codes)),
            params,
        )
        return set(found)


async def _covered(
    session: AsyncSession,
    ctx: Context,
    viewer: access.Viewer | None,
    period: Period,
    now: datetime,
) -> tuple[ColumnElement[bool], dict[str, object]]:
    """The cases a record covers: registered in `period`, that `viewer` may see (the console,
    None, sees all); and the parameters the condition binds."""
    if viewer is None:
        return period.condition(), {}
    seeing = await access.visible(session, viewer, ctx.sops, now)
    return and_(period.condition(), seeing), access.params(viewer, now)


# While records are read, the garbage collector runs less often. A read makes millions of
# short-lived objects and no cycles of them; at Python's default (a collection per 700 new
# objects, a full one per 70,000 or so) the collector was a fifth of a large register's time.
# Process-wide, so counted: the default is back when the last read running ends.
_READING_THRESHOLD = (50_000, 20, 100)
_readers = 0
_readers_lock = threading.Lock()
_threshold: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    global _readers, _threshold
    with _readers_lock:
        if _readers == 0:
            _threshold = gc.get_threshold()
            gc.set_threshold(*_READING_THRESHOLD)
        _readers += 1
    try:
        yield
    finally:
        with _readers_lock:
            _readers -= 1
            if _readers == 0:
                gc.set_threshold(*_threshold)


def _spec(ctx: Context, code: str, version: str) -> SopSpec | None:
    try:
        return ctx.sops.get(code, version)
    except KeyError:
        return None


def _stored(column: Any) -> Any:
    """The column as the driver returns it: a register reads millions of moments, and the
    column type's conversion of each costs more than the read (`stored_moment` does it)."""
    return type_coerce(column, String()).label(column.key)


async def _tasks(connection: AsyncConnection, ids: list[int]) -> dict[int, list[TaskRow]]:
    done_by = aliased(Official)
    found: dict[int, list[TaskRow]] = defaultdict(list)
    # Plain rows, not ORM objects, and only these columns.
    result = await connection.execute(
        select(
            Task.proposal_id,
            Task.step_key,
            Task.activation,
            _stored(Task.started_at),
            _stored(Task.completed_at),
            _stored(Task.target_due_at),
            _stored(Task.limit_due_at),
            Task.action,
            Task.option,
            Task.forwarded_to_id,
            Task.reminders_sent,
            Task.completed_by_id,
            done_by.name,
        )
        .outerjoin(done_by, done_by.id == Task.completed_by_id)
        .where(Task.proposal_id.in_(ids))
        .order_by(Task.id)
    )
    for row in result.all():
        started_at = stored_moment(row[3])
        assert started_at is not None  # the column is NOT NULL
        task = TaskTimes(
            row[1],
            row[2],
            started_at,
            stored_moment(row[4]),
            stored_moment(row[5]),
            stored_moment(row[6]),
            row[7],
            row[8],
            row[9],
            row[10],
            row[11],
        )
        found[row[0]].append((task, row[12]))
    return found


async def _documents(
    connection: AsyncConnection, ids: list[int]
) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    result = await connection.execute(
        select(Document.proposal_id, Document.kind, Document.file_name)
        .where(Document.proposal_id.in_(ids))
        .order_by(Document.id)
    )
    for case, kind, file_name in result.all():
        found[case].append((kind, file_name))
    return found


def _record(
    ctx: Context,
    spec: SopSpec,
    proposal: Row[Any],
    rows: list[TaskRow],
    documents: list[tuple[str, str]],
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
        registrar=proposal.registrar,
        status=proposal.status,
        outcome=proposal.outcome,
        outcome_title=outcome.title if outcome else None,
        verdict=proposal.verdict,
        fields=intake_fields.shown(spec, proposal.fields),
        restricted=spec.restricted(proposal.fields),
        steps=steps,
        documents=[(titles.get(kind, kind), name) for kind, name in documents],
        answers=dict(proposal.fields or {}),
    )
