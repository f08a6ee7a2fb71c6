"""Moving a proposal through its SOP: starting a step, following a route, closing.

Called by the use cases inside their unit of work; never commits, and never sends: the events
recorded here say what happened, and `effects` says who hears of it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, not_, or_, select

from bot.core.calendar import WorkCalendar
from bot.core.engine import Route
from bot.core.sop.spec import SopSpec, Step
from bot.services import access, disposed, reminders, roster
from bot.services.uow import UnitOfWork
from models import Proposal, Task

_LAST_ACTIVATION = select(func.coalesce(func.max(Task.activation), 0)).where(
    Task.proposal_id == bindparam("proposal"), Task.step_key == bindparam("step")
)
_OPEN_IN_STEP = select(Task).where(
    Task.proposal_id == bindparam("proposal"),
    Task.step_key == bindparam("step"),
    Task.completed_at.is_(None),
)


async def start_step(
    uow: UnitOfWork,
    spec: SopSpec,
    proposal: Proposal,
    step: Step,
    returned: dict[str, Any] | None = None,
) -> list[Task]:
    """One task per actor role, each with its due times in working time, and tell each actor.
    `returned`: the case was sent back here (by whom, from which step, why), told at the top."""
    params = {"proposal": proposal.id, "step": step.key}
    activation = 1 + (await uow.session.scalar(_LAST_ACTIVATION, params) or 0)
    target_due_at, limit_due_at, planned = due_times(
        uow.ctx.calendar,
        uow.now,
        step,
        uow.ctx.settings.default_step_minutes,
        spec.factor(proposal.fields),
    )
    tasks = []
    for role, unit, assignee_id, seat in await _seats(uow, spec, proposal, step):
        task = Task(
            proposal_id=proposal.id,
            step_key=step.key,
            activation=activation,
            role=role,
            unit=unit,
            seat=seat,
            assignee_id=assignee_id,
            started_at=uow.now,
            target_due_at=target_due_at,
            limit_due_at=limit_due_at,
            next_reminder_at=reminders.first_reminder(spec, uow.ctx.settings, target_due_at),
        )
        uow.session.add(task)
        tasks.append(task)
    await uow.session.flush()
    for task in tasks:
        uow.record(
            "task_started",
            task=task,
            proposal=proposal,
            payload={
                "role": task.role,
                "assignee_id": task.assignee_id,
                "activation": activation,
                **planned,
                "time_assumed": not step.time.given,
                **({"returned": returned} if returned else {}),
            },
        )
    return tasks


async def _seats(
    uow: UnitOfWork, spec: SopSpec, proposal: Proposal, step: Step
) -> list[tuple[str, str | None, int | None, int]]:
    """(role, unit, assignee, seat) of each task the step starts: one per actor role, to its
    first holder; for `actor_from`, one to the person intake named, in the role they hold (so
    their Plh acts for them, and the role's other holders only once they have left it), or one
    per official the disposition named there asked to act, each seated on its row."""
    if step.actor_from is not None and spec.intake.asks(step.actor_from) is None:
        return [(r, None, o, seat) for r, o, seat in await disposed.seats(uow, proposal, step)]
    if step.actor_from is not None:
        named = (proposal.fields or {}).get(step.actor_from) or {}
        asked = spec.intake.asks(step.actor_from)
        role = str(named.get("role") or (asked.roles[0] if asked and asked.roles else ""))
        person = named.get("id")
        if isinstance(person, int):
            return [(role, None, person, 0)]
        holders = await roster.holders(uow.session, role, uow.now)
        return [(role, None, holders[0].id if holders else None, 0)]
    seats = []
    for role in step.actors:
        unit = roster.unit_for(spec, role, proposal.agency_unit)
        holders = await roster.holders(uow.session, role, uow.now, unit)
        uow.reads.keep(holders)  # told at commit: found again without a query
        seats.append((role, unit, holders[0].id if holders else None, 0))
    return seats


def due_times(
    calendar: WorkCalendar,
    start: datetime,
    step: Step,
    default_minutes: int,
    factor: float = 1.0,
) -> tuple[datetime, datetime | None, dict[str, int | None]]:
    """When a task of `step` started at `start` is due: (target, limit or None, the standard as
    recorded in the task_started event). Working minutes are counted from `start`; working
    days fall due at the close of the N-th working day after receipt (add_working_days). A step
    without a standard gets the default, in minutes. `factor` (a case's urgency) shortens
    each figure, rounded up to a whole minute or working day, never below one."""

    def scaled(value: int | None) -> int | None:
        return None if value is None else max(1, math.ceil(value * factor - 1e-9))

    standard = step.time
    if standard.target_days is not None:
        target_days, limit_days = scaled(standard.target_days), scaled(standard.limit_days)
        assert target_days is not None
        return (
            calendar.add_working_days(start, target_days),
            calendar.add_working_days(start, limit_days) if limit_days else None,
            {"target_days": target_days, "limit_days": limit_days},
        )
    target, limit = scaled(standard.target_minutes), scaled(standard.limit_minutes)
    if target is None:
        target, limit = scaled(default_minutes), None
    assert target is not None
    return (
        calendar.add_working_minutes(start, target),
        calendar.add_working_minutes(start, limit) if limit else None,
        {"target_minutes": target, "limit_minutes": limit},
    )


async def follow(
    uow: UnitOfWork,
    spec: SopSpec,
    proposal: Proposal,
    step: Step,
    route: Route,
    by: int,
    note: str | None = None,
) -> None:
    """The step is settled: close its other open tasks and go where the route leads. A route
    back (to this step or an earlier one) tells the next actor who sent it back and why."""
    open_tasks = await uow.session.scalars(
        _OPEN_IN_STEP, {"proposal": proposal.id, "step": step.key}
    )
    for task in open_tasks:
        task.supersede(uow.now)
        uow.record("task_superseded", task=task, proposal=proposal)
    if route.verdict:
        proposal.verdict = route.verdict
    uow.record(
        "step_completed",
        proposal=proposal,
        step_key=step.key,
        actor_id=by,
        payload={
            "to": route.target.step,
            "end": route.target.end,
            "verdict": route.verdict,
            "notify": list(route.notify),  # the roles told of this route (effects)
        },
    )
    if route.target.step is not None:
        target = spec.step(route.target.step)
        back = target.number <= step.number
        returned = {"by": by, "from_step": step.key, "reason": note} if back else None
        await start_step(uow, spec, proposal, target, returned)
    else:
        assert route.target.end is not None
        await close(uow, spec, proposal, route.target.end, by)


async def close(
    uow: UnitOfWork, spec: SopSpec, proposal: Proposal, outcome_key: str, by: int
) -> None:
    outcome = spec.outcomes[outcome_key]
    proposal.close(outcome.key, uow.now)
    uow.record(
        "proposal_closed",
        proposal=proposal,
        actor_id=by,
        payload={"outcome": outcome.key, "verdict": proposal.verdict},
    )


async def take_up_unassigned(uow: UnitOfWork, official_id: int, role: str, unit: str | None) -> int:
    """A new holder of `role` takes the open tasks that waited for one (none was appointed, or
    theirs no longer holds the role); returns how many."""
    waiting = await uow.session.scalars(
        select(Task).where(
            Task.completed_at.is_(None),
            or_(Task.assignee_id.is_(None), not_(access.SEATED)),  # nobody, or someone gone
            Task.role == role,
            or_(Task.unit.is_(None), Task.unit == unit),
        ),
        {"at": uow.now},
    )
    taken = 0
    for task in waiting:
        proposal = await uow.session.get(Proposal, task.proposal_id)
        assert proposal is not None
        task.assign(official_id)
        uow.record(
            "task_assigned",
            task=task,
            proposal=proposal,
            payload={"assignee_id": official_id, "role": role},
        )
        taken += 1
    return taken
