"""Acting on a task: approve, reject, decide, forward, attach a document, add a note.

Every use case is a gate, then one transaction. The gate: the proposal row is locked (PostgreSQL;
SQLite's BEGIN IMMEDIATE already serialises writers), the task re-read, and the action refused as
"already handled" when the task is finished or the button was drawn for another version, and as
"not yours" unless the official is the assignee, their active delegate, or the forwardee.
Refusals are recorded as events too, in their own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import engine
from bot.core.engine import Action, Approve, Decide, Reject
from bot.core.sop.spec import SopSpec, Step
from bot.services import access, documents, limits, notify, progress, reminders, roster
from bot.services.access import Standing
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import (
    AlreadyHandled,
    DocumentMissing,
    InvalidInput,
    NotFound,
    NotYourTask,
)
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


@dataclass(frozen=True)
class Acted:
    task_id: int
    step_completed: bool
    next_step: str | None = None
    outcome: str | None = None


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
_OTHERS_OPEN = select(func.count(Task.id)).where(
    Task.proposal_id == bindparam("proposal"),
    Task.step_key == bindparam("step"),
    Task.activation == bindparam("activation"),
    Task.completed_at.is_(None),
)


async def lock_proposal(session: AsyncSession, proposal_id: int) -> Proposal | None:
    return await session.scalar(_LOCK_PROPOSAL, {"id": proposal_id})


async def lock_task(session: AsyncSession, task_id: int) -> Task | None:
    return await session.scalar(_LOCK_TASK, {"id": task_id})


async def _open(
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
    if superior is not None:
        unit = roster.unit_for(spec, superior, task.unit)
        oversees = await roster.holds_any(
            session, official_id, (superior,), uow.now, unit, acting_counts=True
        )
        if oversees:
            return Standing(official_id, None, "superior")
    return Standing(official_id, None, "admin") if orphan and official.is_admin else None


async def _guarded(
    ctx: Context, task_id: int, official_id: int, what: str, run: Callable[[], Awaitable[T]]
) -> T:
    """Run a use case; if it is refused, record the refusal and re-raise it."""
    try:
        return await run()
    except engine.WorkflowError as refusal:
        await _record_refusal(ctx, task_id, official_id, what, refusal)
        raise


async def _record_refusal(
    ctx: Context, task_id: int, official_id: int, what: str, refusal: engine.WorkflowError
) -> None:
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


async def act(
    ctx: Context, task_id: int, official_id: int, action: Action, version: int | None = None
) -> Acted:
    """Approve, reject or decide: complete the task and, if the step is settled, move on."""
    name = type(action).__name__.lower()
    return await _guarded(
        ctx, task_id, official_id, name, lambda: _act(ctx, task_id, official_id, action, version)
    )


async def _act(
    ctx: Context, task_id: int, official_id: int, action: Action, version: int | None
) -> Acted:
    if isinstance(action, Reject):
        limits.check("reason", action.reason)
    elif isinstance(action, Decide):
        limits.check("decision_note", action.note)
    async with UnitOfWork(ctx) as uow:
        opened = await _open(uow, task_id, official_id, version, "act")
        task, proposal, spec, step = opened.task, opened.proposal, opened.spec, opened.step
        route = engine.route(step, action, proposal.kind)
        on_task, on_proposal = notify.present(await uow.reads.documents(proposal.id), task)
        lacking = engine.missing(engine.requirements(step, action), on_task, on_proposal)
        if lacking:
            raise DocumentMissing(
                "required documents missing",
                missing=[spec.documents[r.document].title for r in lacking],
            )
        note, option = _note_of(action), action.option if isinstance(action, Decide) else None
        task.complete(uow.now, official_id, name_of(action), option, note)
        uow.record(
            f"task_{name_of(action)}",
            task=task,
            proposal=proposal,
            actor_id=official_id,
            on_behalf_of_id=opened.standing.on_behalf_of_id,
            payload={"option": option, "note": note, "via": opened.standing.via},
        )
        others_open = (
            await uow.session.scalar(
                _OTHERS_OPEN,
                {"proposal": proposal.id, "step": step.key, "activation": task.activation},
            )
            or 0
        )
        if not engine.completes_step(step, action, others_open):
            await uow.commit()
            return Acted(task.id, step_completed=False)
        await progress.follow(uow, spec, proposal, step, route, official_id)
        await uow.commit()
        return Acted(task.id, True, route.target.step, route.target.end)


def name_of(action: Action) -> str:
    return {Approve: "approve", Reject: "reject", Decide: "decide"}[type(action)]


def _note_of(action: Action) -> str | None:
    text = action.reason if isinstance(action, Reject) else action.note
    return (text or "").strip() or None


async def forward(
    ctx: Context,
    task_id: int,
    official_id: int,
    to_official_id: int,
    instruction: str,
    version: int | None = None,
) -> None:
    """Pass the task to a named colleague with an instruction; the deadline stays."""

    async def run() -> None:
        limits.check("instruction", instruction)
        async with UnitOfWork(ctx) as uow:
            opened = await _open(uow, task_id, official_id, version, "forward")
            target = await uow.session.get(Official, to_official_id)
            if target is None or not target.active:
                raise NotFound("no such official", official_id=to_official_id)
            if to_official_id in (official_id, opened.task.forwarded_to_id):
                raise InvalidInput("cannot forward to oneself or to the current forwardee")
            task, previous = opened.task, opened.task.forwarded_to_id
            task.forward_to(to_official_id, instruction.strip() or None)
            reminders.after_forward(uow, task, opened.spec)
            uow.record(
                "task_forwarded",
                task=task,
                proposal=opened.proposal,
                actor_id=official_id,
                on_behalf_of_id=opened.standing.on_behalf_of_id,
                payload={
                    "to": to_official_id,
                    "previous": previous,
                    "instruction": task.forward_note,
                    "via": opened.standing.via,
                },
            )
            await uow.commit()

    await _guarded(ctx, task_id, official_id, "forward", run)


async def attach_document(
    ctx: Context, task_id: int, official_id: int, kind: str, upload: Upload
) -> int:
    """Attach a file to the task (and so to its proposal); returns the document id."""

    async def run() -> int:
        async with UnitOfWork(ctx) as uow:
            opened = await _open(uow, task_id, official_id, None, "attach")
            documents.check(ctx, opened.spec, kind, upload)
            document = await documents.record(
                uow,
                opened.proposal,
                opened.task,
                kind=kind,
                upload=upload,
                by=official_id,
                on_behalf_of=opened.standing.on_behalf_of_id,
            )
            await uow.commit()
            return document.id

    return await _guarded(ctx, task_id, official_id, "attach", run)


async def add_note(ctx: Context, task_id: int, official_id: int, text: str) -> None:
    async def run() -> None:
        if not text.strip():
            raise InvalidInput("empty note")
        limits.check("note", text)
        async with UnitOfWork(ctx) as uow:
            opened = await _open(uow, task_id, official_id, None, "note")
            uow.record(
                "note_added",
                task=opened.task,
                proposal=opened.proposal,
                actor_id=official_id,
                on_behalf_of_id=opened.standing.on_behalf_of_id,
                payload={"text": text.strip(), "via": opened.standing.via},
            )
            await uow.commit()

    await _guarded(ctx, task_id, official_id, "note", run)


@dataclass(frozen=True)
class TaskView:
    """A task as its official sees it before acting: what it is and what can be done."""

    task_id: int
    version: int
    proposal_id: int
    number: str
    title: str
    step_number: int
    step_activity: str
    choices: tuple[engine.Choice, ...]
    uploads: tuple[tuple[str, str], ...]  # (document key, title) this step asks to upload
    documents: tuple[tuple[str, str], ...]  # every document kind of the SOP


async def check(
    ctx: Context, task_id: int, official_id: int, version: int | None, what: str
) -> TaskView:
    """The gate alone, for a tap that first asks something (a reason, a file): refused and
    recorded exactly as the action itself would be, but changing nothing."""

    async def run() -> TaskView:
        async with UnitOfWork(ctx) as uow:
            opened = await _open(uow, task_id, official_id, version, what)
            step, spec, proposal = opened.step, opened.spec, opened.proposal
            wanted = [r for r in step.requires if r.upload]
            if step.decision is not None:
                wanted += [r for o in step.decision.options for r in o.requires if r.upload]
            uploads = tuple(
                dict.fromkeys((r.document, spec.documents[r.document].title) for r in wanted)
            )
            return TaskView(
                task_id=opened.task.id,
                version=opened.task.version,
                proposal_id=proposal.id,
                number=proposal.number,
                title=proposal.title,
                step_number=step.number,
                step_activity=step.activity,
                choices=tuple(engine.choices(step, proposal.kind)),
                uploads=uploads,
                documents=tuple((d.key, d.title) for d in spec.documents.values()),
            )  # no commit: nothing changed

    return await _guarded(ctx, task_id, official_id, what, run)


async def record_refusal(
    ctx: Context, task_id: int, official_id: int, what: str, refusal: engine.WorkflowError
) -> None:
    """Record a refusal decided before any use case ran (a file too big to download)."""
    await _record_refusal(ctx, task_id, official_id, what, refusal)


async def card(ctx: Context, task_id: int, official_id: int) -> dict[str, object]:
    """The task message's context, drawn now, for an official who may act on it."""

    async def run() -> dict[str, object]:
        async with UnitOfWork(ctx) as uow:
            opened = await _open(uow, task_id, official_id, None, "show")
            return await notify.task_context(uow, opened.task, opened.proposal, opened.spec)

    return await _guarded(ctx, task_id, official_id, "show", run)
