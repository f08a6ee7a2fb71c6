"""The outbox sender: drains queued messages to Telegram, exactly once where Telegram tells us
the outcome.

Each claimed chat is a lane of its own: its rows go in order, one at a time, while other chats'
lanes run beside it, and a claim is made again as soon as a lane ends (`run`), so the sender
keeps Telegram's 30 a second busy instead of waiting for a batch's slowest chat. Telegram said
no: the row is put back (429: after `retry_after`; network errors and 5xx: with backoff), or
dead (blocked, chat gone), or, after the last attempt, failed (`message_failed`, which tells the
admins). Only a send whose outcome is unknown (a crash or a timeout mid-request) can be
repeated, once the lease runs out. The rows' statements are in `outbox_rows`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import defaultdict
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.core.render import Renderer
from bot.runtime import outbox_rows as rows_
from bot.runtime.messages import OFFICE_HOURS_ONLY, compose
from bot.runtime.outbox_rows import PER_CHAT, Originals, Queued
from bot.runtime.ratelimit import TelegramLimits
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models.outbox import DEAD, DOCUMENT, EDIT, FAILED, PENDING, SENT, SUPERSEDED

log = logging.getLogger(__name__)
# PTB 22 warns on every read of RetryAfter.retry_after (its type changes in 23); _retry_after
# takes either type, so the warning says nothing here.
warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)

MAX_ATTEMPTS = 8
HOLD_SECONDS = 2.0  # a chat that must wait longer than this goes back to the queue
MAX_BACKOFF = timedelta(minutes=10)
CLAIM_GAP = 0.02  # seconds a claim waits for the running lanes to end too, to share it
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # parse_mode comes from the bot's Defaults
_GONE = ("chat not found", "message to edit not found", "message can't be edited")


class Postpone(Exception):
    """Not yet: an edit whose message has not been sent yet (and is due at `until`)."""

    def __init__(self, until: datetime) -> None:
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
        self._in_flight = 0  # rows claimed and not yet finished or put back
        self._in_lanes: set[int] = set()  # chats with a lane running here
        # Whether a claim now could find rows: the last one was full (or not made), or left
        # rows of a chat whose lane was running (`_waiting`, claimed again when it ends).
        self._more = True
        self._waiting: set[int] = set()

    async def run(
        self, wakeup: asyncio.Event, idle_seconds: float = 1.0, stop: asyncio.Event | None = None
    ) -> None:
        """Deliver until `stop` is set: claim, start a lane per chat claimed, and claim again as
        soon as a claim could find rows: `wakeup` says a commit queued messages, a lane ended
        whose chat has more waiting, or the last claim was full; otherwise when `idle_seconds`
        pass (another instance may have queued some, or a retry came due). A claim per ended
        lane would cost more than it sends: each reads every chat's queue.

        A stop lets each lane put back what it has not sent, never cutting into a database
        transaction."""
        if stop is not None:
            self.stopping = stop
        lanes: dict[asyncio.Task[None], int] = {}  # lane -> its chat
        claim = True
        try:
            while not self.stopping.is_set():
                if claim:
                    wakeup.clear()
                    lanes |= await self._start_lanes()
                claim = await self._until_worth_claiming(lanes, wakeup, idle_seconds)
                lanes = {lane: chat for lane, chat in lanes.items() if not lane.done()}
        finally:
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _until_worth_claiming(
        self, lanes: dict[asyncio.Task[None], int], wakeup: asyncio.Event, idle_seconds: float
    ) -> bool:
        """Wait for a reason to claim: a commit queued messages (`wakeup`), a lane ended whose
        chat has more rows waiting, the last claim was full, or `idle_seconds` passed; False
        when only lanes that leave nothing behind ended. Then it waits up to `CLAIM_GAP` for
        the running lanes to end too, so that the commits and lanes of that moment share one
        claim instead of a claim each (a claim reads every chat's queue): with Telegram quick,
        a claim per round as before; with a chat's window to wait for, no waiting for it."""
        waker = asyncio.ensure_future(wakeup.wait())
        try:
            done, _ = await asyncio.wait(
                {*lanes, waker}, timeout=idle_seconds, return_when="FIRST_COMPLETED"
            )
            if not done:
                return True  # idle_seconds: another instance's messages, or a retry due
        finally:
            waker.cancel()
        running = {lane for lane in lanes if not lane.done()}
        if running:  # the lanes about to end share the claim (all at once when Telegram is quick)
            await asyncio.wait(running, timeout=CLAIM_GAP)
        ended = {chat for lane, chat in lanes.items() if lane.done()}
        worth = wakeup.is_set() or self._more or bool(ended & self._waiting)
        self._waiting -= ended
        return worth

    async def _start_lanes(self) -> dict[asyncio.Task[None], int]:
        room = self.batch - self._in_flight
        # At least a chat's worth, or when idle. Larger gulps cost more than they save: a chat
        # whose lane ended waits for the gulp, and with few chats each must be kept busy (30
        # chats at one a second fill Telegram's 30).
        if room <= 0 or (room < PER_CHAT and self._in_flight):
            self._more = True  # not claimed: the next lane to end makes room
            return {}
        try:
            rows, originals = await self._claim(room)
        except Exception:  # a database hiccup must not kill the sender
            log.exception("outbox claim failed")
            return {}
        return {
            asyncio.create_task(lane): chat
            for chat, lane in zip(_chats(rows), self._lanes(rows, originals), strict=True)
        }

    async def drain(self) -> int:
        """One claim, delivered to the end (tests and tools; `run` does not wait like this)."""
        rows, originals = await self._claim(self.batch)
        await asyncio.gather(*self._lanes(rows, originals))
        return len(rows)

    async def claim(self, limit: int | None = None) -> list[Queued]:
        """Lease due rows (see `outbox_rows.claim`); the caller delivers or puts them back."""
        return (await self._claim(self.batch if limit is None else limit))[0]

    async def _claim(self, limit: int) -> tuple[list[Queued], Originals]:
        rows, originals, waiting = await rows_.claim(
            self.ctx.engine, self.ctx.clock.now(), self.lease, limit, self._in_lanes
        )
        self._in_flight += len(rows)
        self._more = len(rows) >= limit
        self._waiting |= waiting
        return rows, originals

    def _lanes(self, rows: list[Queued], originals: Originals) -> list[Coroutine[Any, Any, None]]:
        """A lane per chat; its chat is known to be in one from now until it ends."""
        chats = _by_chat(rows)
        self._in_lanes |= {chat[0].chat_id for chat in chats}
        return [self._lane(chat, originals) for chat in chats]

    async def _lane(self, rows: list[Queued], originals: Originals) -> None:
        """One chat's rows, in order; the rest go back when the chat must wait or we stop."""
        done = 0
        try:
            for row in rows:
                if self.stopping.is_set():
                    await self._put_back(rows[done:])
                    return
                wait = self._chat_wait(row.chat_id)
                if wait > HOLD_SECONDS:  # a group's minute is full: do not hold its lane
                    await self._put_back(rows[done:], delay=timedelta(seconds=wait))
                    return
                done += 1
                if not await self._deliver(row, originals):  # the chat must wait: so must the rest
                    await self._put_back(rows[done:])
                    return
        except Exception as exc:  # the lease brings back whatever this lane did not settle
            log.exception("outbox lane for chat %s failed", rows[0].chat_id)
            row = rows[max(done - 1, 0)]
            if row.attempts >= MAX_ATTEMPTS:  # it fails each time (a template gone): give up
                with contextlib.suppress(Exception):
                    await self._fail(row, f"{type(exc).__name__}: {exc}")
        finally:
            self._in_flight -= len(rows)
            self._in_lanes.discard(rows[0].chat_id)

    async def _deliver(self, row: Queued, originals: Originals) -> bool:
        """Deliver one row; False when the chat must wait (429 or postponed)."""
        now = self.ctx.clock.now()
        if row.kind != EDIT and row.template in OFFICE_HOURS_ONLY:
            opening = self.ctx.calendar.next_working_moment(now)
            if opening > now:  # queued before closing, or the bot was down: not at night
                await self._put_back([row], delay=opening - now)
                return True
        try:
            if row.kind == EDIT:
                message_id = await self._edit(row, originals)
            elif row.kind == DOCUMENT:
                message_id = await self._send_document(row)
            else:
                message_id = await self._send(row)
        except Postpone as wait:
            await self._put_back([row], delay=max(timedelta(seconds=1), wait.until - now))
            return False
        except RetryAfter as exc:
            await self._put_back([row], delay=_retry_after(exc), error=str(exc))
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
                await self._put_back([row], delay=backoff, counted=True, error=str(exc))
                return False  # its chat's later rows must not overtake it
        else:
            await self._finish(row, SENT, message_id=message_id)
        return True

    async def _send(self, row: Queued) -> int:
        out = compose(self.renderer, row.template, row.context)
        message = await self.bot.send_message(
            row.chat_id, out.text, reply_markup=out.markup, link_preview_options=NO_PREVIEW
        )
        return message.message_id

    async def _send_document(self, row: Queued) -> int:
        """A file from the archive (a letter draft), its template the caption. Read again at
        each attempt, so a retry sends the same bytes."""
        file = row.context["file"]
        caption = self.renderer.render_caption(row.template, row.context)
        with self.ctx.archive.path_of(file["archive_path"]).open("rb") as handle:
            message = await self.bot.send_document(
                row.chat_id,
                handle,
                filename=file["name"],
                caption=caption,
                protect_content=bool(row.context.get("protect")),
            )
        return message.message_id

    async def _edit(self, row: Queued, originals: Originals) -> int | None:
        assert row.edit_of_id is not None
        if row.edit_of_id in originals.sent:  # known from the claim
            message_id = originals.sent[row.edit_of_id]
            superseded = originals.newest_edit.get(row.edit_of_id, row.id) > row.id
        else:
            found = await rows_.original(self.ctx.engine, row)
            if found is None:
                raise BadRequest("Message to edit not found")
            if found.status == PENDING:
                raise Postpone(found.due)
            message_id, superseded = found.message_id, found.superseded
        if superseded:  # a later edit says it all; skip straight to it
            await self._finish(row, SUPERSEDED)
            return message_id
        out = compose(self.renderer, row.template, row.context)
        await self.bot.edit_message_text(
            out.text,
            chat_id=row.chat_id,
            message_id=message_id,
            reply_markup=out.markup,
            link_preview_options=NO_PREVIEW,
        )
        return message_id

    async def _finish(
        self, row: Queued, status: str, *, message_id: int | None = None, error: str | None = None
    ) -> None:
        now = self.ctx.clock.now()
        await rows_.finish(self.ctx.engine, row, status, now, message_id=message_id, error=error)

    async def _put_back(
        self,
        rows: list[Queued],
        *,
        delay: timedelta | None = None,
        counted: bool = False,
        error: str | None = None,
    ) -> None:
        now = self.ctx.clock.now()
        await rows_.put_back(self.ctx.engine, rows, now, delay=delay, counted=counted, error=error)
        if rows and delay is None:  # due again at once: claimed again when this lane ends
            self._waiting.add(rows[0].chat_id)

    def _chat_wait(self, chat_id: int) -> float:
        limiter = getattr(self.bot, "rate_limiter", None)
        return limiter.chat_wait(chat_id) if isinstance(limiter, TelegramLimits) else 0.0

    async def _fail(self, row: Queued, error: str) -> None:
        """Give up on a row and record it; the event tells the admins (see `effects`)."""
        log.error("outbox %s to %s failed: %s", row.id, row.chat_id, error)
        async with UnitOfWork(self.ctx) as uow:  # the row and its event commit together
            await uow.session.execute(rows_.finished(row, FAILED, uow.now, error=error))
            uow.record(
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
            await uow.commit()


def _by_chat(rows: list[Queued]) -> list[list[Queued]]:
    by_chat: dict[int, list[Queued]] = defaultdict(list)
    for row in rows:
        by_chat[row.chat_id].append(row)
    return list(by_chat.values())


def _chats(rows: list[Queued]) -> list[int]:
    """The chats of `_by_chat(rows)`, in its order."""
    return [chat[0].chat_id for chat in _by_chat(rows)]


def _retry_after(exc: RetryAfter) -> timedelta:
    """PTB 22 gives seconds and a later major version a timedelta: take either."""
    value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)
