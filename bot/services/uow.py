"""The unit of work: one transaction per use case.

A use case changes state, records the audit events it causes and the messages to send, then
commits once: the events are chained, the outbox rows written and the Telegram update that
caused it marked handled in that same transaction, so a crash between commit and send loses
nothing (the sender drains the outbox later) and a replayed update does nothing twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.services import updates
from bot.services.context import Context
from models import Document, Event, OutboxMessage
from models.outbox import EDIT, SEND

if TYPE_CHECKING:
    from bot.services.preload import Preloaded


_DOCUMENTS = (
    select(Document).where(Document.proposal_id == bindparam("proposal")).order_by(Document.id)
)


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


class UnitOfWork:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.now: datetime = ctx.clock.now()  # one "now" for the whole use case
        self._events: list[Event] = []
        self._outbox: list[_Pending] = []
        self._cards: dict[tuple[int, int], _Pending] = {}  # the last card per (chat, proposal)
        self._documents: dict[int, list[Document]] = {}  # per proposal, read once per unit
        self._kept: list[object] = []
        self.preloaded: Preloaded | None = None  # what a batch use case read ahead
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self.ctx.sessions()
        await self._session.begin()  # BEGIN IMMEDIATE on SQLite (see bot/db.py)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.close()  # rolls back anything not committed
        self._session = None

    async def documents(self, proposal_id: int) -> list[Document]:
        """The proposal's documents, oldest first: read once per unit of work (a use case asks
        for them three times: the gate, the task message, the group's card)."""
        found = self._documents.get(proposal_id)
        if found is None:
            found = self._documents[proposal_id] = list(
                await self.session.scalars(_DOCUMENTS, {"proposal": proposal_id})
            )
        return found

    async def load_documents(self, proposal_ids: Iterable[int]) -> None:
        """Read the documents of many proposals in one query (a batch use case)."""
        wanted = [i for i in proposal_ids if i not in self._documents]
        if not wanted:
            return
        for proposal_id in wanted:
            self._documents[proposal_id] = []
        for document in await self.session.scalars(
            select(Document).where(Document.proposal_id.in_(wanted)).order_by(Document.id)
        ):
            self._documents[document.proposal_id].append(document)

    def keep(self, rows: Iterable[object]) -> None:
        """Hold loaded rows for the unit's life, so `session.get` finds them again: the
        session's identity map holds only weak references."""
        self._kept.extend(rows)

    def document_added(self, document: Document) -> None:
        if document.proposal_id in self._documents:
            self._documents[document.proposal_id].append(document)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the unit that may fail alone: on an exception its changes, events and
        messages are dropped (and the exception propagates); the rest of the unit goes on."""
        events, outbox, cards = len(self._events), len(self._outbox), dict(self._cards)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self._events[events:], self._outbox[outbox:]
            self._cards = cards
            self._documents.clear()  # rows added inside are gone
            self.preloaded = None  # and rows changed inside are expired
            raise

    def record(self, type: str, **fields: Any) -> Event:
        """Queue an audit event; it is chained and written at commit. Flush new rows first,
        so that the ids given here exist."""
        payload = fields.pop("payload", None) or {}
        event = Event(type=type, occurred_at=self.now, payload=payload, **fields)
        self._events.append(event)
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
    ) -> None:
        """Queue a message (or, with `edit_of`, an edit of one) for the outbox; `cause` makes
        its idempotency key unless `key` is given (for a message that must exist once whoever
        causes it, like a day's digest)."""
        if chat_id is None:  # an official who has not yet started the bot
            return
        pending = _Pending(chat_id, template, context, cause, proposal_id, task_id, edit_of, key)
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
        await audit.append(self.session, self._events)
        seen: set[str] = set()
        for item in [*self._outbox, *self._cards.values()]:
            key = item.key or f"ev{item.cause.id}:{item.template}:{item.chat_id}"
            if item.edit_of is not None:
                key += f":e{item.edit_of}"
            if key in seen:
                continue
            seen.add(key)
            self.session.add(
                OutboxMessage(
                    chat_id=item.chat_id,
                    template=item.template,
                    context=item.context,
                    idempotency_key=key,
                    proposal_id=item.proposal_id,
                    task_id=item.task_id,
                    kind=SEND if item.edit_of is None else EDIT,
                    edit_of_id=item.edit_of,
                    next_attempt_at=self.now,
                    created_at=self.now,
                )
            )
        await updates.mark_in(self.session, self.ctx)  # the update that caused this, once
        await self.session.commit()
        updates.committed()
        if self._outbox or self._cards:
            self.ctx.outbox_wakeup.set()
        self._events.clear()
        self._outbox.clear()
        self._cards.clear()
