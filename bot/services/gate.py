"""The gate every action on a task passes before its use case changes anything.

The proposal row is locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers),
the task re-read under the lock, and the action refused as "not yours" unless the official may
act on it (`access.standing`) or oversees it (`_oversight`), and as "already handled" when the
task is finished or the button was drawn for another version. A refusal is recorded as an
event too, in its own transaction (`guarded`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import engine
from bot.core.sop.spec import SopSpec, Step
from bot.services import access, roster
from bot.services.access import Standing
from bot.services.context import Context
from bot.services.errors import AlreadyHandled, NotFound, NotYourTask
from bot.services.uow import UnitOfWork
from models import Official, Proposal, Task

T = TypeVar("T")


@dataclass
class Opened:
    """A task that has passed the gate, with everything the use case needs."""

    task: Task
    proposal: Proposal
    spec: SopSpec
    step: Step
    standing: Standing


# What the superior a task was escalated to may do from the escalation message: pass it to
# someone (a disposition), add a note, look at it. Deciding stays with the step's actor.
OVERSIGHT = frozenset({"forward", "note", "show"})


# FOR NO KEY UPDATE (key_share) on both rows: it serialises actions as FOR UPDATE would, but
# lets other transactions insert rows that refer to them. The reminder sweep holds a task row
# and writes events and outbox rows that refer to its proposal; if we held the proposal FOR
# UPDATE, its foreign-key check would wait on us while we wait on the task row: a deadlock.
_LOCK_PROPOSAL = (
    select(Proposal).where(Proposal.id == bindparam("id")).with_for_update(key_share=True)
)
_LOCK_TASK = (
    select(Task)
    .where(Task.id == bindparam("id"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)  # re-read after the lock
)
_PROPOSAL_OF = select(Task.proposal_id).where(Task.id == bindparam("id"))


async def lock_proposal(session: AsyncSession, proposal_id: int) -> Proposal | None:
    return await session.scalar(_LOCK_PROPOSAL, {"id": proposal_id})


async def lock_task(session: AsyncSession, task_id: int) -> Task | None:
    return await session.scalar(_LOCK_TASK, {"id": task_id})


async def open_task(
    uow: UnitOfWork, task_id: int, official_id: int, version: int | None, what: str
) -> Opened:
    session = uow.session
    proposal_id = await session.scalar(_PROPOSAL_OF, {"id": task_id})
    if proposal_id is None:
        raise NotFound("no such task", task_id=task_id)
    proposal = await lock_proposal(session, proposal_id)
    task = await lock_task(session, task_id)
    assert proposal is not None and task is not None
    spec = uow.spec_of(proposal)
    allowed = await access.standing(session, task, official_id, uow.now)
    if allowed is None and what in OVERSIGHT:
        allowed = await _oversight(uow, task, spec, official_id)
    if allowed is None:
        raise NotYourTask("not your task", task_id=task_id)
    if task.completed_at is not None or (version is not None and version != task.version):
        raise AlreadyHandled("already handled", task_id=task_id)
    return Opened(task, proposal, spec, spec.step(task.step_key), allowed)


async def _oversight(
    uow: UnitOfWork, task: Task, spec: SopSpec, official_id: int
) -> Standing | None:
    """Who may pass a task on, add a note or look at it without acting on it: the superior
    role it was escalated to; and, while nobody may act on it (every holder gone), that role
    and the admins, so that an orphaned task can be given to someone."""
    session = uow.session
    official = await session.get(Official, official_id)
    if official is None or not official.active:
        return None
    orphan = task.escalated_at is None and await roster.recipient(session, task, uow.now) is None
    if task.escalated_at is None and not orphan:
        return None
    superior = spec.roles[task.role].superior
    if task.seat:  # a disposition's task: its giver oversees it (`roster.superiors`)
        told = await roster.superiors(session, task, spec, uow.now)
        if any(o.id == official_id for o in told):
            return Standing(official_id, None, "superior")
    elif superior is not None:
        unit = roster.unit_for(spec, superior, task.unit)
        oversees = await roster.holds_any(
            session, official_id, (superior,), uow.now, unit, acting_counts=True
        )
        if oversees:
            return Standing(official_id, None, "superior")
    return Standing(official_id, None, "admin") if orphan and official.is_admin else None


async def guarded(
    ctx: Context, task_id: int, official_id: int, what: str, run: Callable[[], Awaitable[T]]
) -> T:
    """Run a use case; if it is refused, record the refusal and re-raise it."""
    try:
        return await run()
    except engine.WorkflowError as refusal:
        await record_refusal(ctx, task_id, official_id, what, refusal)
        raise


async def record_refusal(
    ctx: Context, task_id: int, official_id: int, what: str, refusal: engine.WorkflowError
) -> None:
    """Record a refusal as an event, in its own transaction (the refused one rolled back)."""
    async with UnitOfWork(ctx) as uow:
        task = await uow.session.get(Task, task_id)
        official = await uow.session.get(Official, official_id)
        uow.record(
            "action_refused",
            proposal_id=task.proposal_id if task else None,
            task_id=task.id if task else None,
            step_key=task.step_key if task else None,
            actor_id=official.id if official else None,
            payload={
                "action": what,
                "code": refusal.code,
                "detail": str(refusal),
                "task_id": task_id,
                "official_id": official_id,
            },
        )
        await uow.commit()
