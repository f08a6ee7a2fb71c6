"""Leaving a role or the office hands the work over, inside the same unit of work.

An official who is deactivated, or loses a role, must not take open tasks with them: each task
assigned to them in that role goes to the role's next holder (in the task's unit); a task
forwarded to someone who leaves the office goes back to whoever may act on it without the
forward. A task with nobody left is told to the role's superior and to the admins, who can
forward it to someone (`tasks._open`: oversight of an orphaned task). Each move is an event.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.services import notify, reminders, roster
from bot.services.uow import UnitOfWork
from models import Event, Official, Proposal, RoleAssignment, Task


async def leave(
    uow: UnitOfWork,
    official_id: int,
    cause: Event,
    *,
    role: str | None = None,
    unit: str | None = None,
) -> int:
    """Hand over the open tasks `official_id` leaves: in `role` (and `unit`), or — `role` None,
    leaving the office — every task assigned or forwarded to them. Returns how many moved."""
    query = select(Task).where(Task.completed_at.is_(None))
    if role is None:
        query = query.where(
            or_(Task.assignee_id == official_id, Task.forwarded_to_id == official_id)
        )
    else:
        query = query.where(Task.assignee_id == official_id, Task.role == role)
        if unit is not None:
            query = query.where(or_(Task.unit.is_(None), Task.unit == unit))
    leaver = await uow.session.get(Official, official_id)
    chats = {leaver.telegram_user_id} if leaver and leaver.telegram_user_id else set()
    moved = 0
    for task in list(await uow.session.scalars(query.order_by(Task.id))):
        proposal = await uow.session.get(Proposal, task.proposal_id)
        assert proposal is not None
        spec = uow.ctx.sops.get(proposal.sop_code, proposal.sop_version)
        payload: dict[str, object] = {"from": official_id, "role": task.role}
        if task.forwarded_to_id == official_id:
            task.forwarded_to_id, task.forward_note = None, None
            payload["forward_ended"] = True
        if task.assignee_id == official_id:
            others = [
                o
                for o in await roster.holders(uow.session, task.role, uow.now, task.unit)
                if o.id != official_id
            ]
            task.assignee_id = others[0].id if others else None
            payload["to"] = task.assignee_id
        task.version += 1  # buttons drawn for the leaver are stale now
        task.escalated_at = None
        reminders.after_forward(uow, task, spec)  # a clean slate for whoever takes it
        event = uow.record(
            "task_handed_over",
            proposal_id=proposal.id,
            task_id=task.id,
            step_key=task.step_key,
            actor_id=cause.actor_id,
            payload=payload | {"cause": cause.type},
        )
        await notify.refresh_task_messages(
            uow, task, proposal, spec, event, closed_for=chats, result={"action": "handed_over"}
        )
        await notify.tell_task(uow, task, proposal, spec, event)
        await notify.tell_groups(uow, proposal, spec, event)
        moved += 1
    return moved


async def end_delegations(
    uow: UnitOfWork, official_id: int, cause: Event, role: str | None = None
) -> None:
    """Stand-ins (Plh/Plt) named for `official_id` (in `role`, or in any) end with their office."""
    query = select(RoleAssignment).where(
        RoleAssignment.acting_for_id == official_id, RoleAssignment.revoked_at.is_(None)
    )
    if role is not None:
        query = query.where(RoleAssignment.role == role)
    for delegation in await uow.session.scalars(query):
        delegation.revoked_at = uow.now
        uow.record(
            "delegation_ended",
            actor_id=cause.actor_id,
            payload={
                "assignment_id": delegation.id,
                "holder_id": official_id,
                "acting_id": delegation.official_id,
                "role": delegation.role,
                "cause": cause.type,
            },
        )
