"""The messages a change causes, as outbox rows: who hears of it, with which template and context.

Contexts are plain JSON, snapshotted when the change commits, so the sender needs no database
reads to render them and a message says what was true when it was caused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from bot import engine
from bot.services import roster
from bot.services.uow import UnitOfWork
from bot.sop.spec import SopSpec, Step
from models import Document, Event, GroupSubscription, Official, Proposal, Task


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
    docs = (
        await uow.session.scalars(
            select(Document).where(Document.proposal_id == proposal.id).order_by(Document.id)
        )
    ).all()
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
    """Tell whoever should act on `task` now; if nobody holds the role, tell the admins."""
    context = await task_context(uow, task, proposal, spec) | extra
    who = await roster.recipient(uow.session, task, uow.now)
    if who is None:
        for admin in await admins(uow):
            uow.send(
                admin.telegram_user_id,
                "task_unassigned",
                context,
                cause=cause,
                proposal_id=proposal.id,
            )
        return
    if task.assignee_id not in (None, who.id) and task.forwarded_to_id is None:
        holder = await uow.session.get(Official, task.assignee_id)
        context["on_behalf_of"] = holder.name if holder else None
    uow.send(who.telegram_user_id, template, context, cause=cause, proposal_id=proposal.id)


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
    uow: UnitOfWork, proposal: Proposal, spec: SopSpec, cause: Event, **context: Any
) -> None:
    groups = await uow.session.scalars(
        select(GroupSubscription).where(
            GroupSubscription.active.is_(True),
            or_(
                GroupSubscription.sop_code.is_(None),
                GroupSubscription.sop_code == proposal.sop_code,
            ),
        )
    )
    payload = {"proposal": proposal_context(proposal, spec), "event": cause.type} | context
    for group in groups:
        uow.send(group.chat_id, "group_status", payload, cause=cause, proposal_id=proposal.id)


async def admins(uow: UnitOfWork) -> list[Official]:
    found = await uow.session.scalars(
        select(Official).where(Official.is_admin.is_(True), Official.active.is_(True))
    )
    return list(found)
