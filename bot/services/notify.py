"""The messages a change causes, as outbox rows: who hears of it, with which template and context.

Contexts are plain JSON, snapshotted when the change commits, so the sender needs no database
reads to render them and a message says what was true when it was caused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import engine
from bot.core.calendar import WorkCalendar
from bot.core.sop.spec import SopSpec, Step
from bot.services import intake_fields, reads, roster
from bot.services.reads import OpenTask
from bot.services.transaction import Transaction
from models import Disposition, Document, Event, Official, Proposal, Task


def proposal_context(proposal: Proposal, spec: SopSpec) -> dict[str, Any]:
    kind = spec.kinds.get(proposal.kind) if proposal.kind else None
    return {
        "id": proposal.id,
        "number": proposal.number,
        "title": proposal.title,
        "kind": proposal.kind,
        "kind_title": kind.title if kind else None,
        "origin": proposal.origin,
        # The SOP's own labels ("Pengirim", "Perihal"); None: the templates' neutral words.
        "origin_label": spec.intake.origin_shown,
        "title_label": spec.intake.title_shown,
        "noun": spec.case.noun,
        "fields": intake_fields.shown(spec, proposal.fields, usual=False),
        # Its security class keeps its title and documents off group chats.
        "restricted": spec.restricted(proposal.fields),
        "status": proposal.status,
        "outcome": proposal.outcome,
        "verdict": proposal.verdict,
    }


def step_context(step: Step, spec: SopSpec) -> dict[str, Any]:
    return {
        "key": step.key,
        "number": step.number,
        "activity": step.activity,
        "title": step.short_title,
        "output": step.output,
        "actors": spec.actor_titles(step),
        "standard": step.time.text,
        "standard_given": step.time.given,
    }


async def task_context(
    uow: Transaction, task: Task, proposal: Proposal, spec: SopSpec
) -> dict[str, Any]:
    step = spec.step(task.step_key)
    docs = await uow.reads.documents(proposal.id)
    on_task, on_proposal = present(docs, task)
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
        "disposition": await disposition_context(uow, task, spec) if task.seat else None,
        # The step sends a letter draft with the task (`letters.send_draft`): its document.
        "letter": spec.documents[step.letter.document].title if step.letter else None,
    }


async def disposition_context(uow: Transaction, task: Task, spec: SopSpec) -> dict[str, Any]:
    """The disposition a recipient's task comes from: by whom, which instruction, the note,
    and whom else it went to (so that recipients of one disposition know of each other)."""
    row = await uow.session.get(Disposition, task.seat)
    assert row is not None, task.seat
    return await disposition_lines(uow, spec, row)


async def disposition_lines(uow: Transaction, spec: SopSpec, row: Disposition) -> dict[str, Any]:
    giver_step = spec.step(row.step_key)
    given = giver_step.disposition
    assert given is not None
    rows = await uow.session.scalars(
        select(Disposition)
        .where(Disposition.given_task_id == row.given_task_id)
        .order_by(Disposition.id)
    )
    giver = await uow.session.get(Official, row.given_by_id)

    def line(r: Disposition, name: str) -> dict[str, Any]:
        instruction = given.instruction(r.instruction)
        return {"name": name, "instruction": instruction.label if instruction else r.instruction}

    others = []
    for other in rows:
        if other.id != row.id:
            person = await uow.session.get(Official, other.official_id)
            others.append(line(other, person.name if person else "—"))
    return {
        "id": row.id,
        "by": giver.name if giver else None,
        "by_role": spec.roles[giver_step.actors[0]].title if giver_step.actors else None,
        "instruction": line(row, "")["instruction"],
        "informs": row.informs,
        "note": row.note,
        "others": others,
    }


def present(documents: list[Document], task: Task) -> tuple[set[str], set[str]]:
    """The document kinds in place for a task: (uploaded on it, anywhere on its proposal)."""
    return {d.kind for d in documents if d.task_id == task.id}, {d.kind for d in documents}


async def tell_task(
    uow: Transaction,
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
    who = await uow.reads.recipient(task)
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
    uow: Transaction,
    roles: tuple[str, ...],
    proposal: Proposal,
    spec: SopSpec,
    template: str,
    context: dict[str, Any],
    cause: Event,
) -> None:
    """Tell every holder of `roles`; the origin role only in the proposal's own agency."""
    for role in roles:
        unit = roster.unit_for(spec, role, proposal.agency_unit)
        if roster.held_per_unit(spec, role) and unit is None:
            continue  # no agency recorded on this proposal: nobody to tell
        for official in await roster.holders(uow.session, role, uow.now, unit):
            uow.send(
                official.telegram_user_id, template, context, cause=cause, proposal_id=proposal.id
            )


async def tell_groups(
    uow: Transaction,
    proposal: Proposal,
    spec: SopSpec,
    cause: Event,
    outcome: str | None = None,
) -> None:
    """Bring each subscribed group's card for this proposal up to date (one card per proposal,
    edited in place), and on an outcome add one short message."""
    groups = await uow.reads.groups(proposal.sop_code)
    if not groups:
        return
    kinds = {d.kind for d in await uow.reads.documents(proposal.id)}
    rows = await uow.reads.open_tasks(proposal.id)
    context = await card_context(
        uow.session, proposal, spec, uow.ctx.calendar, uow.now, kinds, rows
    ) | {"in_group": True}
    for group in groups:
        card = await uow.reads.card(group.chat_id, proposal.id)
        uow.card(group.chat_id, context, cause=cause, proposal_id=proposal.id, edit_of=card)
        if outcome is not None:
            uow.send(
                group.chat_id,
                "group_outcome",
                {"proposal": context["proposal"], "outcome": outcome, "in_group": True},
                cause=cause,
                proposal_id=proposal.id,
            )


async def card_context(
    session: AsyncSession,
    proposal: Proposal,
    spec: SopSpec,
    calendar: WorkCalendar,
    now: datetime,
    documents: set[str] | None = None,
    rows: list[OpenTask] | None = None,
) -> dict[str, Any]:
    """Where a proposal stands: its open step, who holds it, since when, until when, and how
    late (in working time, as of `now`). `documents`: the kinds on the proposal, `rows`: its
    open tasks with their holders' names (`open_tasks`), if already read."""
    if rows is None:
        rows = await reads.open_tasks(session, proposal.id)
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
    uow: Transaction,
    task: Task,
    proposal: Proposal,
    spec: SopSpec,
    cause: Event,
    result: dict[str, Any],
) -> None:
    """Edit every message of a finished task to say how it ended, without buttons."""
    context = closed_context(task, proposal, spec, result)
    for message in await uow.reads.task_messages(task):
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
    uow: Transaction,
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
    for message in await uow.reads.task_messages(task):
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


async def _overseers(uow: Transaction, task: Task, spec: SopSpec) -> list[Official]:
    """Who hears of a task nobody may act on: the superior role's holders (or their Plh),
    then the admins; each once."""
    told = await roster.superiors(uow.session, task, spec, uow.now)
    return list(dict.fromkeys([*told, *await admins(uow)]))


async def admins(uow: Transaction) -> list[Official]:
    found = await uow.session.scalars(
        select(Official).where(Official.is_admin.is_(True), Official.active.is_(True))
    )
    return list(found)
