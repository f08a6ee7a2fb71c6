"""Acting on a task: approve, reject, decide, forward, attach a document, add a note.

Every use case is the gate (`gate.py`: lock, re-read, may this official act, is the button
current), then one unit of work; a refusal is recorded as an event in its own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select

from bot.core import engine
from bot.core.engine import Action, Approve, Decide, Dispose, Reject
from bot.services import documents, gate, letters, limits, notify, progress, reminders
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import (
    DocumentMissing,
    InvalidInput,
    NotFound,
)
from bot.services.uow import UnitOfWork
from models import Official, Task

_OTHERS_OPEN = select(func.count(Task.id)).where(
    Task.proposal_id == bindparam("proposal"),
    Task.step_key == bindparam("step"),
    Task.activation == bindparam("activation"),
    Task.completed_at.is_(None),
)


@dataclass(frozen=True)
class Acted:
    task_id: int
    step_completed: bool
    next_step: str | None = None
    outcome: str | None = None


async def act(
    ctx: Context, task_id: int, official_id: int, action: Action, version: int | None = None
) -> Acted:
    """Approve, reject or decide: complete the task and, if the step is settled, move on."""
    name = type(action).__name__.lower()
    return await gate.guarded(
        ctx, task_id, official_id, name, lambda: settle(ctx, task_id, official_id, action, version)
    )


# What a kind of action adds to its unit of work before the step moves on (a disposition's
# lines): given the opened task, it returns what it adds to the action's event.
Then = Callable[[UnitOfWork, gate.Opened], Awaitable[dict[str, Any]]]


async def settle(
    ctx: Context,
    task_id: int,
    official_id: int,
    action: Action,
    version: int | None,
    then: Then | None = None,
) -> Acted:
    """The action itself, inside the gate's `guarded`: `then` adds what its kind needs."""
    if isinstance(action, Reject):
        limits.check("reason", action.reason)
    elif isinstance(action, Decide):
        limits.check("decision_note", action.note)
    async with UnitOfWork(ctx) as uow:
        opened = await gate.open_task(uow, task_id, official_id, version, "act")
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
        added = await then(uow, opened) if then is not None else {}
        uow.record(
            f"task_{name_of(action)}",
            task=task,
            proposal=proposal,
            actor_id=official_id,
            on_behalf_of_id=opened.standing.on_behalf_of_id,
            payload={"option": option, "note": note, "via": opened.standing.via, **added},
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
        await progress.follow(uow, spec, proposal, step, route, official_id, note)
        await uow.commit()
        return Acted(task.id, True, route.target.step, route.target.end)


def name_of(action: Action) -> str:
    return {Approve: "approve", Reject: "reject", Decide: "decide", Dispose: "dispose"}[
        type(action)
    ]


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
            opened = await gate.open_task(uow, task_id, official_id, version, "forward")
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

    await gate.guarded(ctx, task_id, official_id, "forward", run)


async def attach_document(
    ctx: Context, task_id: int, official_id: int, kind: str, upload: Upload
) -> int:
    """Attach a file to the task (and so to its proposal); returns the document id."""

    async def run() -> int:
        async with UnitOfWork(ctx) as uow:
            opened = await gate.open_task(uow, task_id, official_id, None, "attach")
            documents.check(ctx, opened.spec, kind, upload)
            await letters.refuse_drafts(uow, opened.proposal, upload.content)
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

    return await gate.guarded(ctx, task_id, official_id, "attach", run)


async def check_file(ctx: Context, task_id: int, official_id: int, upload: Upload) -> None:
    """A file sent for the task before it is known which document it is (the official picks
    next): checked for what any document must be, and a refusal recorded as attaching's."""

    async def run() -> None:
        documents.check_content(ctx, upload)

    await gate.guarded(ctx, task_id, official_id, "attach", run)


async def add_note(ctx: Context, task_id: int, official_id: int, text: str) -> None:
    async def run() -> None:
        if not text.strip():
            raise InvalidInput("empty note")
        limits.check("note", text)
        async with UnitOfWork(ctx) as uow:
            opened = await gate.open_task(uow, task_id, official_id, None, "note")
            uow.record(
                "note_added",
                task=opened.task,
                proposal=opened.proposal,
                actor_id=official_id,
                on_behalf_of_id=opened.standing.on_behalf_of_id,
                payload={"text": text.strip(), "via": opened.standing.via},
            )
            await uow.commit()

    await gate.guarded(ctx, task_id, official_id, "note", run)


@dataclass(frozen=True)
class TaskView:
    """A task as its official sees it before acting: what it is and what can be done."""

    task_id: int
    version: int
    proposal_id: int
    number: str
    title: str
    step_number: int
    step_title: str
    choices: tuple[engine.Choice, ...]
    uploads: tuple[tuple[str, str], ...]  # (document key, title) this step asks to upload
    missing: tuple[tuple[str, str], ...]  # those of `uploads` not yet on the task
    documents: tuple[tuple[str, str], ...]  # every document kind of the SOP


async def check(
    ctx: Context, task_id: int, official_id: int, version: int | None, what: str
) -> TaskView:
    """The gate alone, for a tap that first asks something (a reason, a file): refused and
    recorded exactly as the action itself would be, but changing nothing."""

    async def run() -> TaskView:
        async with UnitOfWork(ctx) as uow:
            opened = await gate.open_task(uow, task_id, official_id, version, what)
            step, spec, proposal = opened.step, opened.spec, opened.proposal
            wanted = [r for r in step.requires if r.upload]
            if step.decision is not None:
                wanted += [r for o in step.decision.options for r in o.requires if r.upload]
            uploads = tuple(
                dict.fromkeys((r.document, spec.documents[r.document].title) for r in wanted)
            )
            on_task, _ = notify.present(await uow.reads.documents(proposal.id), opened.task)
            return TaskView(
                task_id=opened.task.id,
                version=opened.task.version,
                proposal_id=proposal.id,
                number=proposal.number,
                title=proposal.title,
                step_number=step.number,
                step_title=step.short_title,
                choices=tuple(engine.choices(step, proposal.kind)),
                uploads=uploads,
                missing=tuple(u for u in uploads if u[0] not in on_task),
                documents=tuple((d.key, d.title) for d in spec.documents.values()),
            )  # no commit: nothing changed

    return await gate.guarded(ctx, task_id, official_id, what, run)


async def card(ctx: Context, task_id: int, official_id: int) -> dict[str, object]:
    """The task message's context, drawn now, for an official who may act on it."""

    async def run() -> dict[str, object]:
        async with UnitOfWork(ctx) as uow:
            opened = await gate.open_task(uow, task_id, official_id, None, "show")
            return await notify.task_context(uow, opened.task, opened.proposal, opened.spec)

    return await gate.guarded(ctx, task_id, official_id, "show", run)


record_refusal = gate.record_refusal  # a refusal decided before any use case ran (a file too big)
