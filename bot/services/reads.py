"""What a unit of work reads to say who hears of a change, read once per unit.

The messages a commit causes ask the same things many times: a proposal's documents (the gate,
the task message, the group's card), who should act on a task, the messages that still show a
task's buttons, the groups that follow an SOP and their cards. `Reads` answers each from what
it already holds and asks the database otherwise, so the notifier has one code path.

A batch (the reminder sweep, up to a hundred tasks in one unit) calls `preload` first: seven
statements for the whole batch instead of about a dozen per reminder. The rows it loads are
held here for the unit's life, because the session's identity map holds only weak references.
After a rolled-back savepoint `forget` drops it all: the rows it held are expired.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services import access, roster
from models import (
    Document,
    GroupSubscription,
    Official,
    OutboxMessage,
    Proposal,
    RoleAssignment,
    Task,
)
from models.outbox import SEND

# Messages that show a task with its buttons, and so are edited when the task changes or ends:
# to whoever acts on it (its actions), and to a superior or admin overseeing it (pass it on).
ACTING = ("task_assigned", "task_forwarded", "task_nudge", "task_note")
OVERSEEING = ("task_escalated", "task_unassigned")
TASK_TEMPLATES = ACTING + OVERSEEING

OpenTask = tuple[Task, str | None]  # an open task and the name of whoever holds it

_DOCUMENTS = (
    select(Document).where(Document.proposal_id == bindparam("proposal")).order_by(Document.id)
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


async def open_tasks(session: AsyncSession, proposal_id: int) -> list[OpenTask]:
    return [(t, n) for t, n in await session.execute(OPEN_TASKS, {"proposals": [proposal_id]})]


@dataclass
class _Batch:
    """What `preload` read for a batch of tasks whose state it does not change."""

    acting: dict[tuple[int, str], Official] = field(default_factory=dict)  # (holder, role)
    acting_known: set[int] = field(default_factory=set)  # holders whose Plh was looked up
    seated: set[int] = field(default_factory=set)  # tasks whose assignee still holds the role
    task_messages: dict[int, list[OutboxMessage]] = field(default_factory=dict)
    open_tasks: dict[int, list[OpenTask]] = field(default_factory=dict)


class Reads:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session, self.now = session, now
        self._documents: dict[int, list[Document]] = {}  # per proposal
        self._groups: dict[str, list[GroupSubscription]] = {}  # per SOP code
        self._cards: dict[tuple[int, int], int | None] = {}  # (chat, proposal) -> first card
        self._batch: _Batch | None = None
        self._kept: list[object] = []

    def keep(self, rows: Iterable[object]) -> None:
        """Hold loaded rows for the unit's life, so `session.get` finds them again."""
        self._kept.extend(rows)

    def forget(self) -> None:
        """A savepoint rolled back: rows added inside are gone, rows changed inside expired."""
        self._documents.clear()
        self._cards.clear()
        self._batch = None

    async def documents(self, proposal_id: int) -> list[Document]:
        """The proposal's documents, oldest first."""
        found = self._documents.get(proposal_id)
        if found is None:
            found = self._documents[proposal_id] = list(
                await self.session.scalars(_DOCUMENTS, {"proposal": proposal_id})
            )
        return found

    def document_added(self, document: Document) -> None:
        if document.proposal_id in self._documents:
            self._documents[document.proposal_id].append(document)

    async def recipient(self, task: Task) -> Official | None:
        """`roster.recipient`: who should act on the task now."""
        batch = self._batch
        if (
            batch is None
            or task.forwarded_to_id is not None
            or task.assignee_id not in batch.acting_known
            or task.id not in batch.seated  # the assignee left the role: its holders decide
        ):
            return await roster.recipient(self.session, task, self.now)
        assert task.assignee_id is not None
        acting = batch.acting.get((task.assignee_id, task.role))
        return acting or await self.session.get(Official, task.assignee_id)

    async def task_messages(self, task: Task) -> list[OutboxMessage]:
        """The messages that still show the task with its buttons."""
        if self._batch is not None and task.id in self._batch.task_messages:
            return list(self._batch.task_messages[task.id])
        return await showing_buttons(self.session, [task.id])

    async def groups(self, sop_code: str) -> list[GroupSubscription]:
        """The groups that follow this SOP's cards."""
        if sop_code not in self._groups:
            found = await self.session.scalars(SUBSCRIBED, {"codes": [sop_code]})
            self._groups[sop_code] = list(found)
        return self._groups[sop_code]

    async def card(self, chat_id: int, proposal_id: int) -> int | None:
        """The outbox row of the group's card for the proposal, which later cards edit."""
        key = (chat_id, proposal_id)
        if key not in self._cards:
            found = await self.session.execute(
                CARDS, {"chats": [chat_id], "proposals": [proposal_id]}
            )
            self._cards[key] = next((row.id for row in found), None)
        return self._cards[key]

    async def open_tasks(self, proposal_id: int) -> list[OpenTask]:
        """The proposal's open tasks now, with their holders' names."""
        if self._batch is not None and proposal_id in self._batch.open_tasks:
            return self._batch.open_tasks[proposal_id]
        return await open_tasks(self.session, proposal_id)

    async def preload(self, tasks: Sequence[Task]) -> None:
        """Read, for these tasks, everything reminding them reads, in a fixed number of
        statements whatever their number. Only for a batch that changes none of what is read
        here but the reminder fields."""
        session, now = self.session, self.now
        task_ids = [t.id for t in tasks]
        proposal_ids = sorted({t.proposal_id for t in tasks})
        proposals = list(
            await session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids)))
        )
        self.keep(proposals)
        await self._load_documents(proposal_ids)
        people = {i for t in tasks for i in (t.assignee_id, t.forwarded_to_id) if i is not None}
        self.keep(await session.scalars(select(Official).where(Official.id.in_(people))))
        batch = _Batch()

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
            batch.acting[(holder_id, role)] = official
        batch.acting_known = holders
        batch.seated = set(
            await session.scalars(
                select(Task.id).where(Task.id.in_(task_ids), access.SEATED), {"at": now}
            )
        )
        batch.task_messages = {task_id: [] for task_id in task_ids}
        for message in await showing_buttons(session, task_ids):
            assert message.task_id is not None
            batch.task_messages[message.task_id].append(message)

        codes = sorted({p.sop_code for p in proposals})
        groups = list(await session.scalars(SUBSCRIBED, {"codes": codes}))
        for code in codes:
            self._groups[code] = [g for g in groups if g.sop_code in (None, code)]
        if groups:
            chats = sorted({g.chat_id for g in groups})
            for chat in chats:
                for proposal_id in proposal_ids:
                    self._cards[(chat, proposal_id)] = None
            found = await session.execute(CARDS, {"chats": chats, "proposals": proposal_ids})
            for chat, proposal, row in found:  # the first card, which later ones edit
                if proposal is not None and self._cards.get((chat, proposal)) is None:
                    self._cards[(chat, proposal)] = row
            by_proposal: dict[int, list[OpenTask]] = defaultdict(list)
            for task, name in await session.execute(OPEN_TASKS, {"proposals": proposal_ids}):
                by_proposal[task.proposal_id].append((task, name))
            batch.open_tasks = {pid: by_proposal.get(pid, []) for pid in proposal_ids}
            self.keep(task for found_tasks in batch.open_tasks.values() for task, _ in found_tasks)
        self._batch = batch

    async def _load_documents(self, proposal_ids: Iterable[int]) -> None:
        wanted = [i for i in proposal_ids if i not in self._documents]
        if not wanted:
            return
        for proposal_id in wanted:
            self._documents[proposal_id] = []
        for document in await self.session.scalars(
            select(Document).where(Document.proposal_id.in_(wanted)).order_by(Document.id)
        ):
            self._documents[document.proposal_id].append(document)
