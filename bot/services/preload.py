"""What a batch use case reads for all its tasks at once, instead of several queries per task.

The reminder sweep reminds up to a hundred tasks in one unit of work. Each reminder reads the
proposal, its documents, whoever should hear of it (and their Plh), the messages that still
show the task's buttons, and — on a first reminder — the groups and their cards. Asked task by
task that is about a dozen statements per reminder; asked here, it is seven per batch.

`notify` and the sweep consult `uow.preloaded` before the database, and fall back to it for
anything not preloaded. The rows are held by the unit of work (`keep`), because the session's
identity map holds only weak references. After a failure the sweep drops the preload and goes
on task by task (a rolled-back savepoint expires the rows it holds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.services import access, notify, roster
from bot.services.uow import UnitOfWork
from models import GroupSubscription, Official, OutboxMessage, Proposal, RoleAssignment, Task


@dataclass
class Preloaded:
    acting: dict[tuple[int, str], Official] = field(default_factory=dict)  # (holder, role)
    acting_known: set[int] = field(default_factory=set)  # holders whose Plh was looked up
    seated: set[int] = field(default_factory=set)  # tasks whose assignee still holds the role
    task_messages: dict[int, list[OutboxMessage]] = field(default_factory=dict)
    groups: dict[str, list[GroupSubscription]] = field(default_factory=dict)  # per SOP code
    cards: dict[tuple[int, int], int] = field(default_factory=dict)  # (chat, proposal) -> row
    open_tasks: dict[int, list[tuple[Task, str | None]]] = field(default_factory=dict)


async def for_tasks(uow: UnitOfWork, tasks: Sequence[Task]) -> None:
    """Load, for these tasks, what reminding them reads; set it on the unit of work."""
    session, now = uow.session, uow.now
    task_ids = [t.id for t in tasks]
    proposal_ids = sorted({t.proposal_id for t in tasks})
    proposals = list(await session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids))))
    uow.keep(proposals)
    await uow.load_documents(proposal_ids)
    people = {i for t in tasks for i in (t.assignee_id, t.forwarded_to_id) if i is not None}
    uow.keep(await session.scalars(select(Official).where(Official.id.in_(people))))
    preloaded = Preloaded()

    holders = {t.assignee_id for t in tasks if t.assignee_id is not None}
    acting = await session.execute(
        select(RoleAssignment.acting_for_id, RoleAssignment.role, Official)
        .join(Official, RoleAssignment.official_id == Official.id)
        .where(
            RoleAssignment.acting_for_id.in_(holders),
            Official.active.is_(True),
            roster.in_force(now),
        )
        .order_by(RoleAssignment.id)  # the newest wins, as in roster.delegate_of
    )
    for holder_id, role, official in acting:
        assert holder_id is not None
        preloaded.acting[(holder_id, role)] = official
    preloaded.acting_known = holders
    preloaded.seated = set(
        await session.scalars(
            select(Task.id).where(Task.id.in_(task_ids), access.SEATED), {"at": now}
        )
    )

    messages = await notify.showing_buttons(session, task_ids)
    preloaded.task_messages = {task_id: [] for task_id in task_ids}
    for message in messages:
        assert message.task_id is not None
        preloaded.task_messages[message.task_id].append(message)

    codes = {p.sop_code for p in proposals}
    groups = list(await session.scalars(notify.SUBSCRIBED, {"codes": sorted(codes)}))
    preloaded.groups = {code: [g for g in groups if g.sop_code in (None, code)] for code in codes}
    if groups:
        chats = sorted({g.chat_id for g in groups})
        found = await session.execute(notify.CARDS, {"chats": chats, "proposals": proposal_ids})
        for chat, proposal, row in found:  # the first card, as notify.tell_groups takes it
            if proposal is not None:
                preloaded.cards.setdefault((chat, proposal), row)
        open_by_proposal: dict[int, list[tuple[Task, str | None]]] = defaultdict(list)
        for task, name in await session.execute(notify.OPEN_TASKS, {"proposals": proposal_ids}):
            open_by_proposal[task.proposal_id].append((task, name))
        preloaded.open_tasks = {pid: open_by_proposal.get(pid, []) for pid in proposal_ids}
        uow.keep(task for found_tasks in preloaded.open_tasks.values() for task, _ in found_tasks)
    uow.preloaded = preloaded
