"""What an event about a task does to the task's messages (`effects.EFFECTS` says which event).

Whoever must act is sent the task with its buttons; a forward, a handover or an attached document
redraws it; a decision, or a newer task superseding it, closes it, each message saying how.
Reminders and the superiors' escalation are the task's messages too; only the newest reminder
keeps its buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.core.sop.spec import SopSpec
from bot.services import notify
from bot.services.transaction import Recorded, Transaction
from models import Disposition, Official, OutboxMessage, Proposal, Task


async def _about(uow: Transaction, recorded: Recorded) -> tuple[Task, Proposal, SopSpec]:
    task = recorded.task
    assert task is not None, recorded.event.type
    proposal = recorded.proposal or await uow.session.get(Proposal, task.proposal_id)
    assert proposal is not None
    return task, proposal, uow.spec_of(proposal)


async def _name(uow: Transaction, official_id: object) -> str | None:
    if not isinstance(official_id, int):
        return None
    official = await uow.session.get(Official, official_id)
    return official.name if official else None


async def _tell(
    uow: Transaction, recorded: Recorded, template: str = "task_assigned", **extra: Any
) -> None:
    task, proposal, spec = await _about(uow, recorded)
    await notify.tell_task(uow, task, proposal, spec, recorded.event, template, **extra)


async def tell_actor(uow: Transaction, recorded: Recorded) -> None:
    """Whoever should act on the task now gets it, with its buttons; work sent back says so."""
    returned = recorded.event.payload.get("returned")
    if not isinstance(returned, dict):
        await _tell(uow, recorded)
        return
    *_, spec = await _about(uow, recorded)
    step = next((s for s in spec.steps if s.key == returned.get("from_step")), None)
    back = {
        "recalled": bool(returned.get("recalled")),
        "by": await _name(uow, returned.get("by")),
        "step": notify.step_context(step, spec) if step else None,
        "reason": returned.get("reason"),
    }
    await _tell(uow, recorded, returned=back)


async def tell_forwardee(uow: Transaction, recorded: Recorded) -> None:
    assert recorded.task is not None
    await _tell(
        uow,
        recorded,
        "task_forwarded",
        forwarded_by=await _name(uow, recorded.event.actor_id),
        instruction=recorded.task.forward_note,
    )


async def tell_note_from_above(uow: Transaction, recorded: Recorded) -> None:
    """A superior's note reaches whoever must act; anyone else's stays in the history."""
    payload = recorded.event.payload
    if payload.get("via") != "superior":
        return
    await _tell(
        uow,
        recorded,
        "task_note",
        note=payload["text"],
        note_by=await _name(uow, recorded.event.actor_id),
    )


async def close_messages(uow: Transaction, recorded: Recorded) -> None:
    """The task is done: each of its messages says how, without buttons."""
    task, proposal, spec = await _about(uow, recorded)
    event = recorded.event
    if event.type == "task_superseded":
        result: dict[str, Any] = {"action": "superseded"}
    else:
        decision, chosen = spec.step(task.step_key).decision, event.payload.get("option")
        option = decision.option(chosen) if decision is not None and chosen else None
        result = {
            "action": task.action,
            "label": option.label if option else None,
            "note": event.payload.get("note"),
            "by": await _name(uow, event.actor_id),
        }
        if task.action == "dispose":
            result["lines"] = await _disposition_lines(uow, spec, task)
    await notify.close_task_messages(uow, task, proposal, spec, event, result)


async def redraw_messages(uow: Transaction, recorded: Recorded) -> None:
    """The task changed in its reader's hands (a document attached): new checklist, buttons."""
    if recorded.task is None:  # a document given at registration, before any task
        return
    task, proposal, spec = await _about(uow, recorded)
    await notify.refresh_task_messages(uow, task, proposal, spec, recorded.event)


async def _redraw_without(
    uow: Transaction, recorded: Recorded, gone: object, result: dict[str, Any]
) -> None:
    """Redrawn for the new version; the official `gone` (who no longer holds it) sees it go."""
    task, proposal, spec = await _about(uow, recorded)
    left = await uow.session.get(Official, gone) if isinstance(gone, int) else None
    await notify.refresh_task_messages(
        uow,
        task,
        proposal,
        spec,
        recorded.event,
        closed_for={left.telegram_user_id} if left and left.telegram_user_id else set(),
        result=result,
    )


async def redraw_after_forward(uow: Transaction, recorded: Recorded) -> None:
    """A colleague it was forwarded to before sees it go to the new one."""
    payload = recorded.event.payload
    to = await _name(uow, payload["to"])
    await _redraw_without(uow, recorded, payload["previous"], {"action": "forwarded", "to": to})


async def redraw_after_handover(uow: Transaction, recorded: Recorded) -> None:
    """The official who left sees it go."""
    gone = recorded.event.payload["from"]
    await _redraw_without(uow, recorded, gone, {"action": "handed_over"})


async def close_older_reminders(uow: Transaction, recorded: Recorded) -> None:
    """Only the newest reminder keeps its buttons: an older one says to look below."""
    task, proposal, spec = await _about(uow, recorded)
    for earlier in await uow.reads.task_messages(task):
        if earlier.template == "task_nudge":
            uow.send(
                earlier.chat_id,
                "task_closed",
                notify.closed_context(task, proposal, spec, {"action": "reminded"}),
                cause=recorded.event,
                proposal_id=proposal.id,
                task_id=task.id,
                edit_of=earlier.id,
            )


async def tell_reminder(uow: Transaction, recorded: Recorded) -> None:
    payload = recorded.event.payload
    await _tell(
        uow,
        recorded,
        "task_nudge",
        level=payload["level"],
        late_minutes=payload["late_minutes"],
        reminder=payload["reminder"],
        escalated_to=recorded.facts.get("escalated_to", []),
    )


async def tell_superiors(uow: Transaction, recorded: Recorded) -> None:
    """The superiors (`facts["told"]`, chosen by the sweep) get the task to pass on."""
    task, proposal, spec = await _about(uow, recorded)
    payload = recorded.event.payload
    context = await notify.task_context(uow, task, proposal, spec) | {
        "late_minutes": payload["late_minutes"],
        "reminders_ignored": payload["reminders_ignored"],
        "holder": recorded.facts.get("holder"),
    }
    for official in recorded.facts["told"]:
        uow.send(
            official.telegram_user_id,
            "task_escalated",
            context,
            cause=recorded.event,
            proposal_id=proposal.id,
            task_id=task.id,
        )


async def _rows(uow: Transaction, given_task_id: int) -> list[Disposition]:
    found = await uow.session.scalars(
        select(Disposition)
        .where(Disposition.given_task_id == given_task_id)
        .order_by(Disposition.id)
    )
    return list(found)


async def _disposition_lines(uow: Transaction, spec: SopSpec, task: Task) -> list[dict[str, Any]]:
    """Who the disposition given on `task` went to, each with the instruction's label."""
    given = spec.step(task.step_key).disposition
    lines = []
    for row in await _rows(uow, task.id):
        instruction = given.instruction(row.instruction) if given else None
        lines.append(
            {
                "name": await _name(uow, row.official_id) or "—",
                "instruction": instruction.label if instruction else row.instruction,
                "informs": row.informs,
            }
        )
    return lines


async def tell_disposed(uow: Transaction, recorded: Recorded) -> None:
    """A disposition is out: its giver has it confirmed, with a button to recall it; those it
    only informs are sent the case to read, with its documents."""
    task, proposal, spec = await _about(uow, recorded)
    case = notify.proposal_context(proposal, spec)
    giver = await uow.session.get(Official, recorded.event.actor_id)
    lines = await _disposition_lines(uow, spec, task)
    if giver is not None:
        uow.send(
            giver.telegram_user_id,
            "disposition_sent",
            {
                "task_id": task.id,
                "proposal": case,
                "lines": lines,
                "note": recorded.event.payload.get("note"),
                # Nobody asked to act (Arsipkan): nothing to take back, the case went on.
                "final": all(line["informs"] for line in lines),
            },
            cause=recorded.event,
            proposal_id=proposal.id,
        )
    documents = [{"id": d.id, "name": d.file_name} for d in await uow.reads.documents(proposal.id)]

    async def informed(row: Disposition) -> dict[str, Any]:
        lines = await notify.disposition_lines(uow, spec, row)
        return {"proposal": case, "disposition": lines, "documents": documents}

    await _to_the_informed(uow, recorded, task, "disposition_informed", informed)


async def tell_recalled(uow: Transaction, recorded: Recorded) -> None:
    """The disposition is taken back: its giver's confirmation says so (its button gone), and
    those it only informed are told. (Those asked to act see their task close.)"""
    task, proposal, spec = await _about(uow, recorded)
    case = notify.proposal_context(proposal, spec)
    by = await _name(uow, recorded.event.actor_id)
    sent = await uow.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.proposal_id == proposal.id,
            OutboxMessage.template == "disposition_sent",
            OutboxMessage.edit_of_id.is_(None),
        )
    )
    for message in sent:
        if message.context.get("task_id") == task.id:
            uow.send(
                message.chat_id,
                "disposition_sent",
                message.context | {"recalled": True},
                cause=recorded.event,
                proposal_id=proposal.id,
                edit_of=message.id,
            )

    async def recalled(row: Disposition) -> dict[str, Any]:
        return {"proposal": case, "by": by}

    await _to_the_informed(uow, recorded, task, "disposition_recalled", recalled)


async def _to_the_informed(
    uow: Transaction,
    recorded: Recorded,
    task: Task,
    template: str,
    context: Callable[[Disposition], Awaitable[dict[str, Any]]],
) -> None:
    """Send `template` to each official the disposition given on `task` only informs."""
    for row in await _rows(uow, task.id):
        person = await uow.session.get(Official, row.official_id)
        if row.informs and person is not None:
            uow.send(
                person.telegram_user_id,
                template,
                await context(row),
                cause=recorded.event,
                proposal_id=task.proposal_id,
            )
