"""Taking updates in: long polling that stores each update before confirming it to Telegram,
the webhook's store-then-answer, and the replay of what was stored but never handled.

PTB's own Updater confirms a batch (by asking for the next offset) before its updates are
handled, so a crash loses them; here the next offset is asked for only once the batch is in
the database (`services.updates`). A stranger's update causes nothing but a polite refusal,
so it is not stored: a flood of strangers costs no database write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.runtime.types import TelegramApp
from bot.services import invites, updates
from bot.services.context import Context
from bot.storage.db import read_session
from models import Official

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open
REPLAY_SECONDS = 10.0  # how often stored updates whose lease ran out are looked for
RETRY_SECONDS = 2.0


def _start_token(update: Update) -> str | None:
    """The token of `/start TOKEN` in a private chat (an invitation link opened), if any."""
    message = update.message
    if message is None or message.chat.type != "private" or not message.text:
        return None
    words = message.text.split()
    if len(words) < 2 or words[0].partition("@")[0] != "/start":
        return None
    return words[1]


class Inbox:
    def __init__(self, ctx: Context, application: TelegramApp) -> None:
        self.ctx = ctx
        self.application = application
        self.offset: int | None = None

    def parse(self, payload: dict[str, Any]) -> Update | None:
        try:
            return Update.de_json(payload, self.application.bot)
        except Exception:
            return None

    async def take_in(self, payloads: list[dict[str, Any]]) -> None:
        """Store what must be kept, then queue each update for handling, once."""
        parsed = [(payload, self.parse(payload)) for payload in payloads]
        strangers = await self._strangers([u for _, u in parsed if u is not None])
        kept = [p for p, u in parsed if u is None or u.update_id not in strangers]
        fresh = {p["update_id"] for p in await updates.store(self.ctx, kept)}
        unstored = self.application.bot_data.unstored
        for payload, update in parsed:
            update_id = payload["update_id"]
            if update is None:
                if update_id in fresh:
                    await updates.set_aside(self.ctx, update_id, "not a Telegram update")
            elif update_id in strangers:
                unstored.add(update_id)
                await self.application.update_queue.put(update)
            elif update_id in fresh:
                await self.application.update_queue.put(update)

    async def _strangers(self, batch: list[Update]) -> set[int]:
        """The updates of people who are not active officials, other than registering."""
        users = {u.effective_user.id for u in batch if u.effective_user is not None}
        if not users:
            return set()
        tokens = {u.update_id: _start_token(u) for u in batch}
        async with read_session(self.ctx.engine) as session:
            known = set(
                await session.scalars(
                    select(Official.telegram_user_id).where(
                        Official.telegram_user_id.in_(users), Official.active.is_(True)
                    )
                )
            )
            # Only a link that can still be redeemed makes a registration worth keeping: a
            # bare or bogus `/start` is a stranger's, refused without a write.
            asked = {t for t in tokens.values() if t is not None}
            open_links = await invites.usable(session, asked, self.ctx.clock.now())
        return {
            u.update_id
            for u in batch
            if u.effective_user is not None
            and u.effective_user.id not in known
            and tokens[u.update_id] not in open_links
        }

    async def replay(self, *, at_start: bool = False) -> None:
        """Queue the stored updates nobody is handling (a crash, a dead instance, a failure)."""
        for payload in await updates.pending(self.ctx, at_start=at_start):
            update = self.parse(payload)
            if update is None:
                await updates.set_aside(self.ctx, payload["update_id"], "not a Telegram update")
            else:
                await self.application.update_queue.put(update)

    async def run(self, *, poll: bool) -> None:
        """Until cancelled: poll (or, with a webhook, only replay)."""
        loop = asyncio.get_running_loop()
        await self.replay(at_start=True)
        next_replay = loop.time() + REPLAY_SECONDS
        while True:
            if loop.time() >= next_replay:
                with contextlib.suppress(Exception):
                    await self.replay()
                next_replay = loop.time() + REPLAY_SECONDS
            if poll:
                await self._poll_once()
            else:
                await asyncio.sleep(REPLAY_SECONDS)

    async def _poll_once(self) -> None:
        bot = self.application.bot
        try:
            fetched = await bot.get_updates(
                offset=self.offset,
                timeout=POLL_TIMEOUT,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=POLL_TIMEOUT + 5,
            )
        except InvalidToken:
            log.error("Telegram rejected the token; polling stopped")
            raise
        except (TimedOut, NetworkError) as exc:
            log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
            await asyncio.sleep(RETRY_SECONDS)
            return
        if not fetched:
            return
        try:
            await self.take_in([u.to_dict() for u in fetched])
        except Exception:  # not stored: do not confirm them, fetch them again
            log.exception("could not store %d update(s); fetching them again", len(fetched))
            await asyncio.sleep(RETRY_SECONDS)
            return
        self.offset = max(u.update_id for u in fetched) + 1  # confirms what is now stored
