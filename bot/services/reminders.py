"""Chasing overdue tasks: reminders in working time, and the superior told when they are ignored.

The schedule lives in the database, not in the scheduler: each open task carries
`next_reminder_at`. A sweep, ticked every NUDGE_SWEEP_SECONDS, claims the tasks whose time has
come (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`), writes their reminders
into the outbox and sets the next time, in one transaction. So a restart loses nothing (what
came due while the bot was down is sent once, at the first sweep), and two instances on one
PostgreSQL never claim the same task.

The policy, per SOP file (`reminders:`) with office defaults in settings:
- the first reminder when the target time passes — gentle; for a range ("30-60 menit") a firm
  one follows at the limit; every later one is firm and comes NUDGE_REPEAT working minutes after
  the one before;
- the reminder after ESCALATE_AFTER ignored ones also tells the superior role named in the SOP,
  once per task;
- the reminder goes to whoever should act now: the forwardee, else an acting Plh/Plt, else the
  holder (see `roster.recipient`);
- only in office hours: a reminder whose time fell outside them goes at the next opening, once,
  because the next one is always counted from when a reminder is actually sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update

from bot.core.config import Settings
from bot.core.sop.spec import SopSpec
from bot.services import roster
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from bot.storage.db import read_session
from models import Official, Proposal, Task

log = logging.getLogger(__name__)

CLAIM_BATCH = 100  # tasks per transaction: keeps each hold on the audit chain short
GENTLE, FIRM = "gentle", "firm"


@dataclass(frozen=True)
class Policy:
    enabled: bool
    repeat_minutes: int
    escalate_after: int  # 0: never escalate


def policy(spec: SopSpec, settings: Settings) -> Policy:
    """The SOP's own `reminders:` where it sets them, the office defaults elsewhere."""
    own = spec.reminders
    return Policy(
        enabled=own.enabled,
        repeat_minutes=own.repeat_minutes or settings.nudge_repeat,
        escalate_after=settings.escalate_after
        if own.escalate_after is None
        else own.escalate_after,
    )


def first_reminder(spec: SopSpec, settings: Settings, target_due_at: datetime) -> datetime | None:
    return target_due_at if policy(spec, settings).enabled else None


def after_forward(uow: UnitOfWork, task: Task, spec: SopSpec) -> None:
    """A colleague just handed a task starts with a clean slate: no reminders counted against
    them, and, if it is already overdue, one interval before the first."""
    rules = policy(spec, uow.ctx.settings)
    task.restart_reminders(
        uow.now, uow.ctx.calendar.add_working_minutes(uow.now, rules.repeat_minutes)
    )


async def sweep(ctx: Context, batch: int = CLAIM_BATCH) -> int:
    """Send every reminder that is due now; returns how many tasks were reminded.

    Outside office hours nothing is claimed: what is due waits for the opening. A task whose
    reminder fails is put back an interval later, so it cannot hold up the others."""
    now = ctx.clock.now()
    if not ctx.calendar.is_working_time(now):
        return 0
    async with read_session(ctx.engine) as session:  # most ticks find nothing: no write lock
        if await session.scalar(due(now, 1, lock=False)) is None:
            return 0
    total = 0
    while True:
        async with UnitOfWork(ctx) as uow:
            claimed = await _claim(uow, batch)
            if claimed:
                await _remind_all(uow, claimed)
            await uow.commit()
        total += len(claimed)
        if len(claimed) < batch:
            return total


async def _remind_all(uow: UnitOfWork, claimed: list[Task]) -> None:
    """Remind a claimed batch with what it reads loaded up front; if one reminder fails, go
    again task by task, each in its own savepoint, so that it cannot hold up the others."""
    try:  # without the preload each reminder reads for itself: slower, but no task is stuck
        async with uow.savepoint():
            await uow.reads.preload(claimed)
    except Exception:
        log.exception("preloading a batch of %d reminders failed", len(claimed))
        for task in claimed:
            await uow.session.refresh(task)
    try:
        async with uow.savepoint():
            for task in claimed:
                await _remind(uow, task)
        return
    except Exception:
        log.warning("a reminder in a batch of %d failed; reminding one by one", len(claimed))
    for task in claimed:
        await uow.session.refresh(task)  # expired by the rollback
        task_id = task.id
        try:
            async with uow.savepoint():
                await _remind(uow, task)
        except Exception:
            log.exception("reminder for task %s failed; retried later", task_id)
            await uow.session.refresh(task)
            task.next_reminder_at = uow.ctx.calendar.add_working_minutes(
                uow.now, uow.ctx.settings.nudge_repeat
            )


def due(now: datetime, batch: int, *, lock: bool = True) -> Select[int]:
    """The tasks whose reminder is due, oldest first; locked, skipping those another sweeper
    holds, unless `lock` is False (a look before taking the write lock)."""
    query = (
        select(Task.id)
        .where(Task.next_reminder_at <= now, Task.completed_at.is_(None))
        .order_by(Task.next_reminder_at)
        .limit(batch)
    )
    return query.with_for_update(skip_locked=True, key_share=True) if lock else query


async def _claim(uow: UnitOfWork, batch: int) -> list[Task]:
    """Take the due tasks for this transaction: counted as reminded at once, and row-locked
    until commit (on SQLite, BEGIN IMMEDIATE already keeps a second sweeper out)."""
    ids = (
        await uow.session.scalars(
            update(Task)
            .where(Task.id.in_(due(uow.now, batch).scalar_subquery()))
            .values(reminders_sent=Task.reminders_sent + 1)
            .returning(Task.id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not ids:
        return []
    found = await uow.session.scalars(
        select(Task)
        .where(Task.id.in_(ids))
        .order_by(Task.next_reminder_at, Task.id)
        .execution_options(populate_existing=True)
    )
    return list(found)


async def _remind(uow: UnitOfWork, task: Task) -> None:
    proposal = await uow.session.get(Proposal, task.proposal_id)
    assert proposal is not None
    spec = uow.spec_of(proposal)
    rules = policy(spec, uow.ctx.settings)
    if not rules.enabled:  # the SOP file turned reminders off since the task was scheduled
        task.next_reminder_at = None
        return
    calendar, now, count = uow.ctx.calendar, uow.now, task.reminders_sent
    limit_passed = task.limit_due_at is not None and now >= task.limit_due_at
    if task.limit_due_at is not None and not limit_passed:
        upcoming = task.limit_due_at
    else:
        # An urgent case is chased sooner, by the same factor as its time standards.
        repeat = max(1, round(rules.repeat_minutes * spec.factor(proposal.fields)))
        upcoming = calendar.add_working_minutes(now, repeat)
    # A time that falls on closing time belongs to the next opening.
    task.next_reminder_at = calendar.next_working_moment(upcoming)
    late = calendar.minutes_late(task.target_due_at, now)
    level = FIRM if count > 1 or limit_passed else GENTLE
    recipient = await uow.reads.recipient(task)
    escalated_to: list[str] = []
    if rules.escalate_after and task.escalated_at is None and count > rules.escalate_after:
        escalated_to = await _escalate(uow, task, proposal, spec, recipient, late, count - 1)
    uow.record(
        "task_nudged",
        task=task,
        proposal=proposal,
        facts={"escalated_to": escalated_to},
        payload={
            "reminder": count,
            "level": level,
            "late_minutes": late,
            "to": recipient.id if recipient else None,
            "next_at": task.next_reminder_at.isoformat(),
        },
    )


async def _escalate(
    uow: UnitOfWork,
    task: Task,
    proposal: Proposal,
    spec: SopSpec,
    recipient: Official | None,
    late: int,
    ignored: int,
) -> list[str]:
    """Tell the superior role's holders (or their Plh) about the task; returns their names.
    With nobody to tell, the task stays unescalated and the next reminder tries again."""
    superior = spec.roles[task.role].superior
    told = await roster.superiors(uow.session, task, spec, uow.now)
    # Only people the bot can reach: the holder must not read "your superior was told" when
    # the superior never started the bot.
    told = [
        o
        for o in dict.fromkeys(told)
        if o.telegram_user_id is not None and (recipient is None or o.id != recipient.id)
    ]
    if not told:
        return []
    task.escalate(uow.now)
    uow.record(
        "task_escalated",
        task=task,
        proposal=proposal,
        facts={"told": told, "holder": recipient.name if recipient else None},
        payload={
            "role": superior,
            "to": [o.id for o in told],
            "late_minutes": late,
            "reminders_ignored": ignored,
            "holder_id": recipient.id if recipient else None,
        },
    )
    return [o.name for o in told]
