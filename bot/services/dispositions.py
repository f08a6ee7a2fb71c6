"""A head's disposition: to whom (one or several), each with a standard instruction.

The head picks recipients among the holders of the step's `disposition.to` roles, gives each an
instruction, adds one note if needed, and sends: the step is done (`tasks._act` with `Dispose`),
one row per recipient is kept, those asked to act get the next step's task each, those only
informed are sent the case to read. While none of them has acted yet, the head may recall it:
their tasks end, and the disposition step is the head's again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.core.engine import Dispose
from bot.core.sop.spec import Disposition as DispositionSpec
from bot.core.sop.spec import SopSpec, Step
from bot.services import gate, limits, progress, roster, tasks
from bot.services.context import Context
from bot.services.errors import AlreadyHandled, InvalidInput, NotFound, NotYourTask
from bot.services.uow import UnitOfWork
from models import Disposition, Document, Official, Proposal, Task
from models.proposals import OPEN

MOST = 40  # recipients offered at once: the picker stays well within Telegram's 100 buttons


@dataclass(frozen=True)
class Candidate:
    official_id: int
    name: str
    role: str  # the first of the disposition's roles they hold: the one they receive it in
    role_title: str


class TooLate(InvalidInput):
    """A recipient has already acted on it: the disposition stands."""

    code = "recall_too_late"


def spec_of(step: Step) -> DispositionSpec:
    if step.disposition is None:
        raise InvalidInput("not a disposition step", step=step.key)
    return step.disposition


async def _candidates(uow: UnitOfWork, spec: SopSpec, step: Step, giver_id: int) -> list[Candidate]:
    """The active holders of the disposition's roles, in the SOP's order of roles (the way the
    sheet lists them, highest first), each once, the giver left out."""
    found: dict[int, Candidate] = {}
    for role in spec_of(step).to:
        for official in await roster.holders(uow.session, role, uow.now):
            if official.id != giver_id and official.id not in found:
                title = spec.roles[role].title
                found[official.id] = Candidate(official.id, official.name, role, title)
    return list(found.values())[:MOST]


async def candidates(
    ctx: Context, task_id: int, official_id: int, version: int | None
) -> tuple[tasks.TaskView, list[Candidate], DispositionSpec]:
    """Whom the official may dispose the task's case to — after the gate, as the sending will."""
    view = await tasks.check(ctx, task_id, official_id, version, "dispose")

    async def run() -> tuple[list[Candidate], DispositionSpec]:
        async with UnitOfWork(ctx) as uow:
            opened = await gate.open_task(uow, task_id, official_id, version, "dispose")
            found = await _candidates(uow, opened.spec, opened.step, official_id)
            return found, spec_of(opened.step)

    people, disposition = await gate.guarded(ctx, task_id, official_id, "dispose", run)
    return view, people, disposition


async def give(
    ctx: Context,
    task_id: int,
    official_id: int,
    picks: dict[int, str],
    note: str | None,
    version: int | None = None,
) -> tasks.Acted:
    """Send the disposition: `picks` is recipient -> instruction key. At least one recipient
    must be asked to act (someone must do the next step); each must still be one of those
    offered, and each instruction one of the step's."""
    text = (note or "").strip() or None
    limits.check("disposition_note", text)

    async def lines(uow: UnitOfWork, opened: gate.Opened) -> dict[str, Any]:
        disposition = spec_of(opened.step)
        offered = {c.official_id: c for c in await _candidates(uow, opened.spec, opened.step, 0)}
        if not picks:
            raise InvalidInput("nobody chosen", reason="nobody")
        rows = []
        for person, key in picks.items():
            instruction = disposition.instruction(key)
            if person not in offered or person == official_id or instruction is None:
                raise InvalidInput("not among those offered", reason="not_offered")
            rows.append(
                Disposition(
                    proposal_id=opened.proposal.id,
                    step_key=opened.step.key,
                    given_task_id=opened.task.id,
                    given_by_id=official_id,
                    given_at=uow.now,
                    official_id=person,
                    role=offered[person].role,
                    instruction=instruction.key,
                    informs=instruction.informs,
                    note=text,
                )
            )
        uow.session.add_all(rows)
        await uow.session.flush()  # the next step's tasks are seated on these rows
        return {
            "recipients": [
                {
                    "id": r.id,
                    "official": r.official_id,
                    "name": offered[r.official_id].name,
                    "instruction": r.instruction,
                }
                for r in rows
            ]
        }

    async def run() -> tasks.Acted:
        action = Dispose(text, informs_only=await _informs_only(ctx, task_id, picks))
        return await tasks.settle(ctx, task_id, official_id, action, version, lines)

    return await gate.guarded(ctx, task_id, official_id, "dispose", run)


async def recall(ctx: Context, given_task_id: int, official_id: int) -> None:
    """Take the disposition back while none of its recipients has acted on it: their tasks
    end, the informed are told, and the disposition step starts again for the head."""

    async def run() -> None:
        async with UnitOfWork(ctx) as uow:
            head = await uow.session.get(Task, given_task_id)
            if head is None:
                raise NotFound("no such task", task_id=given_task_id)
            proposal = await gate.lock_proposal(uow.session, head.proposal_id)
            assert proposal is not None
            rows = list(
                await uow.session.scalars(
                    select(Disposition)
                    .where(Disposition.given_task_id == given_task_id)
                    .order_by(Disposition.id)
                )
            )
            if not rows:
                raise NotFound("no disposition on this task", task_id=given_task_id)
            if official_id not in await _may_recall(uow, head, rows[0]):
                raise NotYourTask("only its giver recalls a disposition", reason="disposition")
            if any(r.recalled_at is not None for r in rows) or proposal.status != OPEN:
                raise AlreadyHandled("recalled already, or the case is closed", reason="recalled")
            spec = uow.spec_of(proposal)
            step = spec.step(head.step_key)
            theirs = await _recipient_tasks(uow, proposal, step, rows)
            acted = [t for t in theirs if _acted(t)] or await _with_documents(uow, theirs)
            if acted or await _moved_on(uow, proposal, theirs):
                names = [await _name(uow, t.completed_by_id or t.assignee_id) for t in acted]
                raise TooLate("a recipient has acted", names=[n for n in names if n])
            for task in theirs:
                task.recall(uow.now)
                uow.record("task_recalled", task=task, proposal=proposal, actor_id=official_id)
            for row in rows:
                row.recalled_at = uow.now
            uow.record(
                "disposition_recalled",
                task=head,
                proposal=proposal,
                actor_id=official_id,
                payload={"recipients": [r.id for r in rows]},
            )
            returned = {"by": official_id, "from_step": step.key, "recalled": True}
            await progress.start_step(uow, spec, proposal, step, returned)
            await uow.commit()

    await gate.guarded(ctx, given_task_id, official_id, "recall", run)


async def _may_recall(uow: UnitOfWork, head: Task, row: Disposition) -> set[int]:
    """Who may take a disposition back: its giver; the holder in whose name their Plh gave it;
    and that holder's Plh in force now."""
    allowed = {row.given_by_id}
    if head.assignee_id is not None:
        allowed.add(head.assignee_id)
        acting = await roster.delegate_of(uow.session, head.assignee_id, head.role, uow.now)
        if acting is not None:
            allowed.add(acting.id)
    return allowed


async def _recipient_tasks(
    uow: UnitOfWork, proposal: Proposal, step: Step, rows: list[Disposition]
) -> list[Task]:
    nxt = step.on_approve.target.step if step.on_approve else None
    found = await uow.session.scalars(
        select(Task).where(
            Task.proposal_id == proposal.id,
            Task.step_key == nxt,
            Task.seat.in_([r.id for r in rows]),
        )
    )
    return list(found)


def _acted(task: Task) -> bool:
    return task.completed_at is not None or task.forwarded_to_id is not None


async def _with_documents(uow: UnitOfWork, theirs: list[Task]) -> list[Task]:
    ids = {t.id for t in theirs}
    attached = set(
        await uow.session.scalars(select(Document.task_id).where(Document.task_id.in_(ids)))
    )
    return [t for t in theirs if t.id in attached]


async def _moved_on(uow: UnitOfWork, proposal: Proposal, theirs: list[Task]) -> bool:
    """Is anything open on the case other than the recipients' tasks? (It went elsewhere.)"""
    open_ids = set(
        await uow.session.scalars(
            select(Task.id).where(Task.proposal_id == proposal.id, Task.completed_at.is_(None))
        )
    )
    return open_ids != {t.id for t in theirs}


async def _name(uow: UnitOfWork, official_id: int | None) -> str | None:
    if official_id is None:
        return None
    official = await uow.session.get(Official, official_id)
    return official.name if official else None


async def confirm_read(ctx: Context, disposition_id: int, official_id: int) -> bool:
    """An informed recipient confirms having read it; False when it was confirmed before."""

    async def run() -> bool:
        async with UnitOfWork(ctx) as uow:
            row = await uow.session.get(Disposition, disposition_id)
            if row is None or row.official_id != official_id or not row.informs:
                # one asked to act has a task to act on, not a reading to confirm
                raise NotYourTask(
                    "not a disposition that informs this official", reason="disposition"
                )
            proposal = await gate.lock_proposal(uow.session, row.proposal_id)
            assert proposal is not None
            await uow.session.refresh(row)
            if row.recalled_at is not None:
                raise AlreadyHandled("recalled", reason="recalled")
            if row.read_at is not None:
                return False
            row.read_at = uow.now
            uow.record(
                "disposition_read",
                proposal=proposal,
                step_key=row.step_key,
                actor_id=official_id,
                payload={"disposition": row.id},
            )
            await uow.commit()
            return True

    return await gate.guarded(ctx, 0, official_id, "read", run)  # 0: no task of theirs


async def _informs_only(ctx: Context, task_id: int, picks: dict[int, str]) -> bool:
    """Does the disposition ask nobody to act? Then it follows `on_inform`, where the SOP has
    one; where it has none, it is refused (someone must do the next step)."""
    async with UnitOfWork(ctx) as uow:
        task = await uow.session.get(Task, task_id)
        proposal = await uow.session.get(Proposal, task.proposal_id) if task else None
        if task is None or proposal is None:
            return False  # the gate will say so
        given = uow.spec_of(proposal).step(task.step_key).disposition
        if given is None or not picks:
            return False
        informs = [given.instruction(key) for key in picks.values()]
        if not all(i is not None and i.informs for i in informs):
            return False
        if given.on_inform is None:
            raise InvalidInput("nobody asked to act", reason="nobody_acts")
        return True
