"""The outbox sender: drains queued messages to Telegram, exactly once where Telegram tells us
the outcome.

A row is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write lock does
the same), so two instances never send the same row, and a chat with a row in flight is left to
its holder, so one chat's messages keep their order. Telegram said no: the row is rescheduled
(429: after `retry_after`; network errors and 5xx: with backoff), or dead (blocked, chat gone),
or, after the last attempt, failed with the admins told. Only a send whose outcome is unknown (a
crash or a timeout mid-request) can be repeated, once the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.core.render import Renderer
from bot.runtime.messages import OFFICE_HOURS_ONLY, compose
from bot.runtime.ratelimit import TelegramLimits
from bot.services import notify
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from bot.storage.db import read_connection
from models import OutboxMessage
from models.outbox import DEAD, EDIT, FAILED, PENDING, SEND, SENT, SUPERSEDED

log = logging.getLogger(__name__)
# PTB 22 warns on every read of RetryAfter.retry_after (its type changes in 23); _retry_after
# takes either type, so the warning says nothing here.
warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)

MAX_ATTEMPTS = 8
HOLD_SECONDS = 2.0  # a chat that must wait longer than this goes back to the queue
PER_CHAT = 3  # rows of one chat in one claim: a chat's messages go in order, one at a time
MAX_BACKOFF = timedelta(minutes=10)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
OUTBOX = cast(
    Table, OutboxMessage.__table__
)  # Core, not the ORM: the sender's statements run per message


class Queued(NamedTuple):
    """A claimed outbox row, as the sender needs it: plain values, no ORM session behind it."""

    id: int
    chat_id: int
    template: str
    context: dict[str, Any]
    kind: str
    edit_of_id: int | None
    attempts: int
    proposal_id: int | None
    task_id: int | None
    lease_until: datetime  # this claim's lease: only its holder may put the row back


_GONE = ("chat not found", "message to edit not found", "message can't be edited")


class Postpone(Exception):
    """Not yet: an edit whose message has not been sent yet (and is due at `until`)."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__()
        self.until = until


class Sender:
    def __init__(
        self,
        ctx: Context,
        bot: Bot,
        renderer: Renderer,
        *,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 100,
    ) -> None:
        self.ctx, self.bot, self.renderer = ctx, bot, renderer
        self.lease, self.batch = lease, batch
        self.stopping = asyncio.Event()
        # What the current batch's claim learnt of its edits' originals (see the claim).
        self._sent_originals: dict[int, int | None] = {}
        self._newest_edits: dict[int, int] = {}

    async def run(
        self, wakeup: asyncio.Event, idle_seconds: float = 1.0, stop: asyncio.Event | None = None
    ) -> None:
        """Drain until `stop` is set; sleep until woken (a commit queued messages) or
        `idle_seconds` pass (another instance may have queued some, or a retry came due).

        Stopping between two drains, never in the middle of one, keeps a cancellation from
        landing inside a database transaction."""
        if stop is not None:
            self.stopping = stop
        while not self.stopping.is_set():
            try:
                sent = await self.drain()
            except Exception:  # a database hiccup must not kill the sender
                log.exception("outbox drain failed")
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(idle_seconds):  # not wait_for: see emulator/state
                        await wakeup.wait()
                wakeup.clear()

    async def drain(self) -> int:
        """Claim due rows and deliver them, chats in parallel, each chat in order."""
        rows = await self.claim()
        by_chat: dict[int, list[Queued]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_id].append(row)
        await asyncio.gather(*(self._deliver_all(chat_rows) for chat_rows in by_chat.values()))
        return len(rows)

    async def claim(self) -> list[Queued]:
        now = self.ctx.clock.now()
        busy = select(OUTBOX.c.chat_id).where(
            OUTBOX.c.status == PENDING, OUTBOX.c.lease_until >= now
        )
        # The first few rows of each chat, not the first rows overall: a batch drained one
        # chat at a time would send at one chat's pace (1 a second), not Telegram's (30).
        free = (
            OUTBOX.c.status == PENDING,
            OUTBOX.c.next_attempt_at <= now,
            or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until < now),
        )
        # A chat's messages go in order: a message held back (a 429, a failed attempt) holds
        # back the chat's later rows too, so none overtakes it. Edits do not hold a chat (they
        # change a message already there, and one may wait for a reminder kept for office
        # hours), nor do reminders and digests kept for office hours: a task sent at night
        # must not wait for the morning.
        held = OUTBOX.alias("held")
        first_held = (  # per chat, its first row held back; few rows, read by index
            select(held.c.chat_id, func.min(held.c.id).label("first"))
            .where(
                held.c.status == PENDING,
                held.c.next_attempt_at > now,
                held.c.kind == SEND,
                held.c.template.not_in(sorted(OFFICE_HOURS_ONLY)),
            )
            .group_by(held.c.chat_id)
            .subquery()
        )
        ranked = (
            select(
                OUTBOX.c.id,
                func.row_number()
                .over(partition_by=OUTBOX.c.chat_id, order_by=OUTBOX.c.id)
                .label("rank"),
            )
            .select_from(OUTBOX.outerjoin(first_held, first_held.c.chat_id == OUTBOX.c.chat_id))
            .where(
                *free,
                OUTBOX.c.chat_id.not_in(busy),
                or_(first_held.c.first.is_(None), OUTBOX.c.id < first_held.c.first),
            )
            .subquery()
        )
        due = (
            select(OUTBOX.c.id)
            # The conditions again at the level that locks: PostgreSQL re-checks a row it had
            # to wait for against these only, so a row another instance has just leased is
            # dropped here instead of being sent twice.
            .where(*free, OUTBOX.c.id.in_(select(ranked.c.id).where(ranked.c.rank <= PER_CHAT)))
            .order_by(OUTBOX.c.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True, key_share=True)
        )
        claimed = (
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(due.scalar_subquery()))
            .values(lease_until=now + self.lease, attempts=OUTBOX.c.attempts + 1)
            .returning(*(OUTBOX.c[name] for name in Queued._fields))
        )
        async with self.ctx.engine.begin() as connection:
            rows = sorted(Queued(*row) for row in await connection.execute(claimed))
            await self._look_up_originals(connection, rows)
        return rows

    async def _look_up_originals(self, connection: AsyncConnection, rows: list[Queued]) -> None:
        """For the batch's edits, in the claim's transaction: the Telegram message of each
        original already sent, and the newest pending edit of each (an older one is skipped).
        Saves a read per edit, and most messages are edits; an original not yet sent is looked
        up again when its edit's turn comes."""
        self._sent_originals, self._newest_edits = {}, {}
        originals = sorted({r.edit_of_id for r in rows if r.kind == EDIT and r.edit_of_id})
        if not originals:
            return
        sent = await connection.execute(
            select(OUTBOX.c.id, OUTBOX.c.telegram_message_id).where(
                OUTBOX.c.id.in_(originals), OUTBOX.c.status == SENT
            )
        )
        self._sent_originals = {original: message for original, message in sent}
        newest = await connection.execute(
            select(OUTBOX.c.edit_of_id, func.max(OUTBOX.c.id))
            .where(OUTBOX.c.edit_of_id.in_(originals), OUTBOX.c.status == PENDING)
            .group_by(OUTBOX.c.edit_of_id)
        )
        self._newest_edits = {original: edit for original, edit in newest if original}

    async def _deliver_all(self, rows: list[Queued]) -> None:
        for index, row in enumerate(rows):
            if self.stopping.is_set():  # stopping: what is not yet sent goes back to the queue
                await self._release(rows[index:])
                return
            wait = self._chat_wait(row.chat_id)
            if wait > HOLD_SECONDS:  # a group's minute is full: do not hold the whole batch
                await self._hold(rows[index:], timedelta(seconds=wait))
                return
            if not await self._deliver(row):  # this chat is throttled: the rest wait too
                await self._release(rows[index + 1 :])
                return

    async def _deliver(self, row: Queued) -> bool:
        """Deliver one row; False when the chat must wait (429 or postponed)."""
        now = self.ctx.clock.now()
        if row.kind != EDIT and row.template in OFFICE_HOURS_ONLY:
            opening = self.ctx.calendar.next_working_moment(now)
            if opening > now:  # queued before closing, or the bot was down: not at night
                await self._reschedule(row, opening - now, counted=False)
                return True
        try:
            message_id = await (self._edit(row) if row.kind == EDIT else self._send(row))
        except Postpone as wait:
            delay = max(timedelta(seconds=1), (wait.until or now) - now)
            await self._reschedule(row, delay, counted=False)
            return False
        except RetryAfter as exc:
            await self._reschedule(row, _retry_after(exc), counted=False, error=str(exc))
            return False
        except Forbidden as exc:
            await self._finish(row, DEAD, error=exc.message)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                await self._finish(row, SENT)
            elif any(gone in exc.message.lower() for gone in _GONE):
                await self._finish(row, DEAD, error=exc.message)
            else:  # our own mistake (bad HTML, too long): retrying will not help
                await self._fail(row, exc.message)
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection errors
            if row.attempts >= MAX_ATTEMPTS:
                await self._fail(row, str(exc))
            else:
                backoff = min(timedelta(seconds=2**row.attempts), MAX_BACKOFF)
                await self._reschedule(row, backoff, counted=True, error=str(exc))
        else:
            await self._finish(row, SENT, message_id=message_id)
        return True

    async def _send(self, row: Queued) -> int:
        out = compose(self.renderer, row.template, row.context)
        message = await self.bot.send_message(
            row.chat_id,
            out.text,
            parse_mode=ParseMode.HTML,
            reply_markup=out.markup,
            link_preview_options=NO_PREVIEW,
        )
        return message.message_id

    async def _edit(self, row: Queued) -> int | None:
        assert row.edit_of_id is not None
        if row.edit_of_id in self._sent_originals:  # known from the claim
            message_id = self._sent_originals[row.edit_of_id]
            superseded = self._newest_edits.get(row.edit_of_id, row.id) > row.id
        else:
            message_id, superseded = await self._original(row)
        if superseded:  # a later edit says it all; skip straight to it
            await self._finish(row, SUPERSEDED)
            return int(message_id) if message_id is not None else None
        out = compose(self.renderer, row.template, row.context)
        await self.bot.edit_message_text(
            out.text,
            chat_id=row.chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=out.markup,
            link_preview_options=NO_PREVIEW,
        )
        return int(message_id) if message_id is not None else None

    async def _original(self, row: Queued) -> tuple[int | None, bool]:
        """The original's Telegram message, and whether a newer edit of it is pending; raise
        Postpone if the original is not sent yet, BadRequest if it never will be."""
        newer = (
            select(OUTBOX.c.id)
            .where(
                OUTBOX.c.edit_of_id == row.edit_of_id,
                OUTBOX.c.id > row.id,
                OUTBOX.c.status == PENDING,
            )
            .exists()
        )
        async with read_connection(self.ctx.engine) as connection:
            found = (
                await connection.execute(
                    select(
                        OUTBOX.c.status,
                        OUTBOX.c.next_attempt_at,
                        OUTBOX.c.telegram_message_id,
                        newer,
                    ).where(OUTBOX.c.id == row.edit_of_id)
                )
            ).first()
        if found is None or found.status in (DEAD, FAILED, SUPERSEDED):
            raise BadRequest("Message to edit not found")
        status, due, message_id, superseded = found
        if status == PENDING:
            raise Postpone(due)
        return message_id, bool(superseded)

    async def _finish(
        self,
        row: Queued,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        async with self.ctx.engine.begin() as connection:
            values: dict[str, object] = {"status": status, "lease_until": None}
            if status == SENT:
                values["sent_at"] = self.ctx.clock.now()
                if message_id is not None and row.kind != EDIT:
                    values["telegram_message_id"] = message_id
            if error is not None:
                values["last_error"] = error[:1000]
            await connection.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id, OUTBOX.c.status == PENDING)
                .values(**values)
            )

    async def _reschedule(
        self, row: Queued, delay: timedelta, *, counted: bool, error: str | None = None
    ) -> None:
        async with self.ctx.engine.begin() as connection:
            await connection.execute(
                update(OUTBOX)
                .where(*_still_ours([row]))
                .values(
                    next_attempt_at=self.ctx.clock.now() + delay,
                    lease_until=None,
                    attempts=OUTBOX.c.attempts - (0 if counted else 1),
                    last_error=error[:1000] if error else OUTBOX.c.last_error,
                )
            )

    def _chat_wait(self, chat_id: int) -> float:
        limiter = getattr(self.bot, "rate_limiter", None)
        return limiter.chat_wait(chat_id) if isinstance(limiter, TelegramLimits) else 0.0

    async def _hold(self, rows: list[Queued], delay: timedelta) -> None:
        """Put a chat's rows back until its window has room, in their order, uncounted."""
        async with self.ctx.engine.begin() as connection:
            await connection.execute(
                update(OUTBOX)
                .where(*_still_ours(rows))
                .values(
                    lease_until=None,
                    next_attempt_at=self.ctx.clock.now() + delay,
                    attempts=OUTBOX.c.attempts - 1,
                )
            )

    async def _release(self, rows: list[Queued]) -> None:
        if rows:
            async with self.ctx.engine.begin() as connection:
                await connection.execute(
                    update(OUTBOX)
                    .where(*_still_ours(rows))
                    .values(lease_until=None, attempts=OUTBOX.c.attempts - 1)
                )

    async def _fail(self, row: Queued, error: str) -> None:
        """Give up on a row, record it, and tell the admins (unless it was such an alert)."""
        log.error("outbox %s to %s failed: %s", row.id, row.chat_id, error)
        await self._finish(row, FAILED, error=error)
        async with UnitOfWork(self.ctx) as uow:
            event = uow.record(
                "message_failed",
                proposal_id=row.proposal_id,
                task_id=row.task_id,
                payload={
                    "outbox_id": row.id,
                    "chat_id": row.chat_id,
                    "template": row.template,
                    "error": error[:500],
                },
            )
            if row.template != "send_failed":
                for admin in await notify.admins(uow):
                    uow.send(
                        admin.telegram_user_id,
                        "send_failed",
                        {"chat_id": row.chat_id, "template": row.template, "error": error[:300]},
                        cause=event,
                    )
            await uow.commit()


def _still_ours(rows: list[Queued]) -> tuple[ColumnElement[bool], ...]:
    """These rows, if this claim's lease still holds them: a sender slower than its lease must
    not put back rows another instance has claimed since (they would be claimed a third time,
    and sent twice)."""
    return (
        OUTBOX.c.id.in_([r.id for r in rows]),
        OUTBOX.c.status == PENDING,
        OUTBOX.c.lease_until.in_(sorted({r.lease_until for r in rows})),
    )


def _retry_after(exc: RetryAfter) -> timedelta:
    """PTB 22 gives seconds and a later major version a timedelta: take either."""
    value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)
