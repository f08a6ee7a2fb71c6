"""One transaction of a use case: its reads, the events it records and the messages it queues.

At commit the events are chained into the audit log, the outbox rows written and the Telegram
update that caused it marked handled, all in this one transaction: a crash between commit and
send loses nothing (the sender drains the outbox later) and a replayed update does nothing
twice. What each event causes is decided by `bot.services.effects` (`uow.UnitOfWork`); this
module only keeps and writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.sop.spec import SopSpec
from bot.services import once
from bot.services.context import Context
from bot.services.reads import Reads
from bot.storage import audit
from models import Event, OutboxMessage, Proposal, Task
from models.outbox import DOCUMENT, EDIT, SEND


@dataclass
class Recorded:
    """An event with the rows it is about, held until commit (so what it causes is drawn
    without reading them again), and `facts` the messages need beyond the audit payload."""

    event: Event
    task: Task | None = None
    proposal: Proposal | None = None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Pending:
    chat_id: int
    template: str
    context: dict[str, Any]
    cause: Event
    proposal_id: int | None
    task_id: int | None = None
    edit_of: int | None = None  # the outbox row whose Telegram message this edits
    key: str | None = None  # an idempotency key of the caller's, instead of the cause's
    document: bool = False  # a file from the archive, `context["file"]`, the text its caption

    @property
    def kind(self) -> str:
        if self.document:
            return DOCUMENT
        return SEND if self.edit_of is None else EDIT


class Transaction:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.now: datetime = ctx.clock.now()  # one "now" for the whole use case
        self.recorded: list[Recorded] = []
        self.settled = 0  # how many of `recorded` have had their effects drawn
        self._outbox: list[_Pending] = []
        self._cards: dict[tuple[int, int], _Pending] = {}  # the last card per (chat, proposal)
        self._session: AsyncSession | None = None
        self._reads: Reads | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    @property
    def reads(self) -> Reads:
        if self._reads is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._reads

    async def __aenter__(self) -> Transaction:
        self._session = self.ctx.sessions()
        self._reads = Reads(self._session, self.now)
        await self._session.begin()  # BEGIN IMMEDIATE on SQLite (see bot/storage/db.py)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.close()  # rolls back anything not committed
        self._session = self._reads = None

    def spec_of(self, proposal: Proposal) -> SopSpec:
        return self.ctx.spec_of(proposal)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the unit that may fail alone: what its events cause is drawn before it
        ends; on an exception its changes, events and messages are dropped (and the exception
        propagates); the rest of the unit goes on."""
        recorded, settled, outbox = len(self.recorded), self.settled, len(self._outbox)
        cards = dict(self._cards)
        try:
            async with self.session.begin_nested():
                yield
                await self.settle()
        except BaseException:
            del self.recorded[recorded:], self._outbox[outbox:]
            self.settled, self._cards = settled, cards
            self.reads.forget()
            raise

    async def settle(self) -> None:
        """Draw what the events recorded so far cause; a unit of work with effects says how."""

    def record(
        self,
        type: str,
        *,
        task: Task | None = None,
        proposal: Proposal | None = None,
        facts: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Event:
        """Queue an audit event about `task` (and its proposal and step) or `proposal`; it is
        chained and written at commit. Flush new rows first, so that the ids given here exist."""
        payload = fields.pop("payload", None) or {}
        if task is not None:
            fields = {"proposal_id": task.proposal_id, "task_id": task.id} | fields
            fields.setdefault("step_key", task.step_key)
        elif proposal is not None:
            fields.setdefault("proposal_id", proposal.id)
        event = Event(type=type, occurred_at=self.now, payload=payload, **fields)
        self.recorded.append(Recorded(event, task, proposal, facts or {}))
        return event

    def send(
        self,
        chat_id: int | None,
        template: str,
        context: dict[str, Any],
        *,
        cause: Event,
        proposal_id: int | None = None,
        task_id: int | None = None,
        edit_of: int | None = None,
        key: str | None = None,
        document: bool = False,
    ) -> None:
        """Queue a message (or, with `edit_of`, an edit of one; with `document`, a file from
        the archive named in `context["file"]`, the template its caption) for the outbox;
        `cause` makes its idempotency key unless `key` is given (for a message that must exist
        once whoever causes it, like a day's digest)."""
        if chat_id is None:  # an official who has not yet started the bot
            return
        pending = _Pending(
            chat_id, template, context, cause, proposal_id, task_id, edit_of, key, document
        )
        self._outbox.append(pending)

    def card(
        self,
        chat_id: int,
        context: dict[str, Any],
        *,
        cause: Event,
        proposal_id: int,
        edit_of: int | None,
    ) -> None:
        """Queue a group's status card for a proposal; within one unit only the last counts."""
        pending = _Pending(chat_id, "group_card", context, cause, proposal_id, None, edit_of)
        self._cards[(chat_id, proposal_id)] = pending

    async def commit(self) -> None:
        await self.session.flush()
        await self.settle()
        await audit.append(self.session, [r.event for r in self.recorded])
        for item in self._messages():
            self.session.add(
                OutboxMessage(
                    chat_id=item.chat_id,
                    template=item.template,
                    context=item.context,
                    idempotency_key=_key(item),
                    proposal_id=item.proposal_id,
                    task_id=item.task_id,
                    kind=item.kind,
                    edit_of_id=item.edit_of,
                    next_attempt_at=self.now,
                    created_at=self.now,
                )
            )
        await once.mark_in(self.session, self.ctx.clock)  # the update that caused this, once
        await self.session.commit()
        once.committed()
        if self._outbox or self._cards:
            self.ctx.outbox_wakeup.set()
        self.recorded.clear()
        self.settled = 0
        self._outbox.clear()
        self._cards.clear()

    def _messages(self) -> list[_Pending]:
        """The queued messages, each once: a message edited several times in one unit is
        edited once, to what it says last, where its first edit stood in the queue."""
        last_edit = {m.edit_of: m for m in self._outbox if m.edit_of is not None}
        seen: set[str] = set()
        found: list[_Pending] = []
        for item in [*self._outbox, *self._cards.values()]:
            if item.edit_of is not None and item.template != "group_card":
                latest = last_edit.pop(item.edit_of, None)
                if latest is None:
                    continue  # edited again earlier in the queue, to its last words
                item = latest
            key = _key(item)
            if key not in seen:
                seen.add(key)
                found.append(item)
        return found


def _key(item: _Pending) -> str:
    key = item.key or f"ev{item.cause.id}:{item.template}:{item.chat_id}"
    return key if item.edit_of is None else f"{key}:e{item.edit_of}"
