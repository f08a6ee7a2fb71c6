"""Leaving a role or the office hands the work over, inside the same unit of work.

An official who is deactivated, or loses a role, must not take open tasks with them: each task
assigned to them in that role goes to the role's next holder (in the task's unit); a task
forwarded to someone who leaves the office goes back to whoever may act on it without the
forward. A task with nobody left is told to the role's superior and to the admins, who can
forward it to someone (`gate._oversight`: oversight of an orphaned task). Each move is an event.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.services import reminders, roster
from bot.services.uow import UnitOfWork
from models import Event, Proposal, RoleAssignment, Task


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
    moved = 0
    for task in list(await uow.session.scalars(query.order_by(Task.id))):
        proposal = await uow.session.get(Proposal, task.proposal_id)
        assert proposal is not None
        payload: dict[str, object] = {"from": official_id, "role": task.role}
        if task.forwarded_to_id == official_id:
            payload["forward_ended"] = True
        successor = None
        if task.assignee_id == official_id:
            others = [
                o
                for o in await roster.holders(uow.session, task.role, uow.now, task.unit)
                if o.id != official_id
            ]
            successor = others[0].id if others else None
            payload["to"] = successor
        task.hand_over(official_id, successor)
        reminders.after_forward(uow, task, uow.spec_of(proposal))  # a clean slate for them
        uow.record(
            "task_handed_over",
            task=task,
            proposal=proposal,
            actor_id=cause.actor_id,
            payload=payload | {"cause": cause.type},
        )
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
