"""The messages a change causes, as outbox rows: who hears of it, with which template and context.

Contexts are plain JSON, snapshotted when the change commits, so the sender needs no database
reads to render them and a message says what was true when it was caused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot import engine
from bot.calendar import WorkCalendar
from bot.services import roster
from bot.services.uow import UnitOfWork
from bot.sop.spec import SopSpec, Step
from models import Document, Event, GroupSubscription, Official, OutboxMessage, Proposal, Task
from models.outbox import SEND

# Messages that show a task with its buttons, and so are edited when the task changes or ends.
TASK_TEMPLATES = (
    "task_assigned",
    "task_forwarded",
    "task_nudge",
    "task_note",
    "task_escalated",
    "task_unassigned",
)


def proposal_context(proposal: Proposal, spec: SopSpec) -> dict[str, Any]:
    kind = spec.kinds.get(proposal.kind) if proposal.kind else None
    return {
        "id": proposal.id,
        "number": proposal.number,
        "title": proposal.title,
        "kind": proposal.kind,
        "kind_title": kind.title if kind else None,
        "origin": proposal.origin,
        "status": proposal.status,
        "outcome": proposal.outcome,
        "verdict": proposal.verdict,
    }


def step_context(step: Step, spec: SopSpec) -> dict[str, Any]:
    return {
        "key": step.key,
        "number": step.number,
        "activity": step.activity,
        "output": step.output,
        "actors": [spec.roles[r].title for r in step.actors],
        "standard": step.time.text,
        "standard_given": step.time.given,
    }


async def task_context(
    uow: UnitOfWork, task: Task, proposal: Proposal, spec: SopSpec
) -> dict[str, Any]:
    step = spec.step(task.step_key)
    docs = await uow.documents(proposal.id)
    on_task = {d.kind for d in docs if d.task_id == task.id}
    on_proposal = {d.kind for d in docs}
    return {
        "task_id": task.id,
        "version": task.version,
        "proposal": proposal_context(proposal, spec),
        "step": step_context(step, spec),
        "role": spec.roles[task.role].title,
        "target_due_at": task.target_due_at.isoformat() if task.target_due_at else None,
        "limit_due_at": task.limit_due_at.isoformat() if task.limit_due_at else None,
        "requires": [
            {
                "title": spec.documents[r.document].title,
                "upload": r.upload,
                "present": r.document in (on_task if r.upload else on_proposal),
            }
            for r in step.requires
        ],
        "documents": [{"id": d.id, "name": d.file_name, "kind": d.kind} for d in docs],
        "choices": [
            {"action": c.action, "label": c.label, "option": c.option, "note": c.note_required}
            for c in engine.choices(step, proposal.kind)
        ],
    }


async def tell_task(
    uow: UnitOfWork,
    task: Task,
    proposal: Proposal,
    spec: SopSpec,
    cause: Event,
    template: str = "task_assigned",
    **extra: Any,
) -> None:
    """Tell whoever should act on `task` now; if nobody may, tell the role's superior and the
    admins, whose message lets them forward it to someone."""
    context = await task_context(uow, task, proposal, spec) | extra
    who = await recipient(uow, task)
    if who is None:
        for official in await _overseers(uow, task, spec):
            uow.send(
                official.telegram_user_id,
                "task_unassigned",
                context,
                cause=cause,
                proposal_id=proposal.id,
                task_id=task.id,
            )
        return
    if task.assignee_id not in (None, who.id) and task.forwarded_to_id is None:
        holder = await uow.session.get(Official, task.assignee_id)
        context["on_behalf_of"] = holder.name if holder else None
    uow.send(
        who.telegram_user_id,
        template,
        context,
        cause=cause,
        proposal_id=proposal.id,
        task_id=task.id,
    )


async def tell_roles(
    uow: UnitOfWork,
    roles: tuple[str, ...],
    proposal: Proposal,
    spec: SopSpec,
    template: str,
    context: dict[str, Any],
    cause: Event,
) -> None:
    """Tell every holder of `roles`; the origin role only in the proposal's own agency."""
    for role in roles:
        unit = proposal.agency_unit if role == spec.intake.origin_role else None
        if role == spec.intake.origin_role and unit is None:
            continue  # no agency recorded on this proposal: nobody to tell
        for official in await roster.holders(uow.session, role, uow.now, unit):
            uow.send(
                official.telegram_user_id, template, context, cause=cause, proposal_id=proposal.id
            )


async def tell_groups(
    uow: UnitOfWork,
    proposal: Proposal,
    spec: SopSpec,
    cause: Event,
    outcome: str | None = None,
) -> None:
    """Bring each subscribed group's card for this proposal up to date (one card per proposal,
    edited in place), and on an outcome add one short message."""
    known = uow.preloaded
    if known is not None and proposal.sop_code in known.groups:
        groups = known.groups[proposal.sop_code]
    else:
        groups = list(await uow.session.scalars(SUBSCRIBED, {"codes": [proposal.sop_code]}))
    if not groups:
        return
    open_rows = known.open_tasks.get(proposal.id) if known is not None else None
    kinds = {d.kind for d in await uow.documents(proposal.id)}
    context = await card_context(
        uow.session, proposal, spec, uow.ctx.calendar, uow.now, kinds, open_rows
    )
    for group in groups:
        if known is not None and open_rows is not None:  # the batch read its cards too
            card = known.cards.get((group.chat_id, proposal.id))
        else:
            found = await uow.session.execute(
                CARDS, {"chats": [group.chat_id], "proposals": [proposal.id]}
            )
            card = next((row.id for row in found), None)
        uow.card(group.chat_id, context, cause=cause, proposal_id=proposal.id, edit_of=card)
        if outcome is not None:
            uow.send(
                group.chat_id,
                "group_outcome",
                {"proposal": context["proposal"], "outcome": outcome},
                cause=cause,
                proposal_id=proposal.id,
            )


SUBSCRIBED = select(GroupSubscription).where(
    GroupSubscription.active.is_(True),
    or_(
        GroupSubscription.sop_code.is_(None),
        GroupSubscription.sop_code.in_(bindparam("codes", expanding=True)),
    ),
)  # the groups subscribed to these SOPs' cards (or to every SOP's)

CARDS = (
    select(OutboxMessage.chat_id, OutboxMessage.proposal_id, OutboxMessage.id)
    .where(
        OutboxMessage.chat_id.in_(bindparam("chats", expanding=True)),
        OutboxMessage.proposal_id.in_(bindparam("proposals", expanding=True)),
        OutboxMessage.template == "group_card",
        OutboxMessage.kind == SEND,
    )
    .order_by(OutboxMessage.id)
)  # the group cards (the first message, which later ones edit) of these proposals

OPEN_TASKS = (
    select(Task, Official.name)
    .outerjoin(Official, Official.id == func.coalesce(Task.forwarded_to_id, Task.assignee_id))
    .where(Task.proposal_id.in_(bindparam("proposals", expanding=True)))
    .where(Task.completed_at.is_(None))
    .order_by(Task.id)
)  # the open tasks of these proposals, with the name of whoever holds each


async def card_context(
    session: AsyncSession,
    proposal: Proposal,
    spec: SopSpec,
    calendar: WorkCalendar,
    now: datetime,
    documents: set[str] | None = None,
    rows: list[tuple[Task, str | None]] | None = None,
) -> dict[str, Any]:
    """Where a proposal stands: its open step, who holds it, since when, until when, and how
    late (in working time, as of `now`). `documents`: the kinds on the proposal, `rows`: its
    open tasks with their holders' names (`open_tasks`), if already read."""
    if rows is None:
        rows = [(t, n) for t, n in await session.execute(OPEN_TASKS, {"proposals": [proposal.id]})]
    if documents is None:
        documents = set(
            await session.scalars(select(Document.kind).where(Document.proposal_id == proposal.id))
        )
    step = spec.step(rows[0][0].step_key) if rows else None
    return {
        "live": False,  # True when drawn on request (/status), not kept in a group
        "proposal": proposal_context(proposal, spec),
        "outcome": spec.outcomes[proposal.outcome].title if proposal.outcome else None,
        "step": step_context(step, spec) if step else None,
        "holders": [
            {
                "role": spec.roles[task.role].title,
                "name": name or "—",
                "since": task.started_at.isoformat(),
                "due": task.target_due_at.isoformat() if task.target_due_at else None,
                "overdue": task.target_due_at is not None and now >= task.target_due_at,
                "late_minutes": calendar.minutes_late(task.target_due_at, now),
            }
            for task, name in rows
        ],
        "documents": [
            {"title": spec.documents[r.document].title, "present": r.document in documents}
            for r in (step.requires if step else ())
        ],
    }


async def recipient(uow: UnitOfWork, task: Task) -> Official | None:
    """`roster.recipient`, answered from the unit's preload where it has the holder's Plh."""
    known = uow.preloaded
    if (
        known is None
        or task.forwarded_to_id is not None
        or task.assignee_id not in known.acting_known
        or task.id not in known.seated  # the assignee left the role: its holders decide
    ):
        return await roster.recipient(uow.session, task, uow.now)
    assert task.assignee_id is not None
    acting = known.acting.get((task.assignee_id, task.role))
    return acting or await uow.session.get(Official, task.assignee_id)


def _showing_buttons() -> Select[OutboxMessage]:
    closing = aliased(OutboxMessage)
    closed = (
        select(closing.id)
        .where(closing.edit_of_id == OutboxMessage.id, closing.template == "task_closed")
        .exists()
    )
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.task_id.in_(bindparam("task_ids", expanding=True)),
            OutboxMessage.kind == SEND,
            OutboxMessage.template.in_(TASK_TEMPLATES),
            ~closed,
        )
        .order_by(OutboxMessage.id)
    )


# Built once: hot statements are executed with parameters, not rebuilt on every use (building
# this one, with its alias, cost more than running it).
SHOWING_BUTTONS = _showing_buttons()


async def showing_buttons(session: AsyncSession, task_ids: list[int]) -> list[OutboxMessage]:
    """The messages that still show these tasks with their buttons (to the holder, delegate,
    forwardee): those not yet edited into a closed card."""
    return list(await session.scalars(SHOWING_BUTTONS, {"task_ids": task_ids}))


async def task_messages(uow: UnitOfWork, task: Task) -> list[OutboxMessage]:
    if uow.preloaded is not None and task.id in uow.preloaded.task_messages:
        return list(uow.preloaded.task_messages[task.id])
    return await showing_buttons(uow.session, [task.id])


def closed_context(
    task: Task, proposal: Proposal, spec: SopSpec, result: dict[str, Any]
) -> dict[str, Any]:
    """What a task message says once the task is out of its reader's hands."""
    return {
        "proposal": proposal_context(proposal, spec),
        "step": step_context(spec.step(task.step_key), spec),
        "result": result,
    }


async def close_task_messages(
    uow: UnitOfWork,
    task: Task,
    proposal: Proposal,
    spec: SopSpec,
    cause: Event,
    result: dict[str, Any],
) -> None:
    """Edit every message of a finished task to say how it ended, without buttons."""
    context = closed_context(task, proposal, spec, result)
    for message in await task_messages(uow, task):
        uow.send(
            message.chat_id,
            "task_closed",
            context,
            cause=cause,
            proposal_id=proposal.id,
            task_id=task.id,
            edit_of=message.id,
        )


async def refresh_task_messages(
    uow: UnitOfWork,
    task: Task,
    proposal: Proposal,
    spec: SopSpec,
    cause: Event,
    *,
    closed_for: set[int] | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    """Redraw a task's messages after a change (a document attached, a forward): the new
    checklist and buttons of the new version; chats in `closed_for` get `result` instead."""
    fresh = await task_context(uow, task, proposal, spec)
    closed = closed_context(task, proposal, spec, result or {})
    for message in await task_messages(uow, task):
        if closed_for and message.chat_id in closed_for:
            template, context = "task_closed", closed
        else:
            template, context = message.template, message.context | fresh
        uow.send(
            message.chat_id,
            template,
            context,
            cause=cause,
            proposal_id=proposal.id,
            task_id=task.id,
            edit_of=message.id,
        )


async def _overseers(uow: UnitOfWork, task: Task, spec: SopSpec) -> list[Official]:
    """Who hears of a task nobody may act on: the superior role's holders (or their Plh),
    then the admins; each once."""
    told = await roster.superiors(uow.session, task, spec, uow.now)
    return list(dict.fromkeys([*told, *await admins(uow)]))


async def admins(uow: UnitOfWork) -> list[Official]:
    found = await uow.session.scalars(
        select(Official).where(Official.is_admin.is_(True), Official.active.is_(True))
    )
    return list(found)
