"""What the bot waits for from a user (a reason, a file, an instruction), kept in the database
so that a restart or another instance picks up where the last message left off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.services.context import Context
from bot.storage.db import read_session
from models import Conversation

LIFETIME = timedelta(hours=12)  # a question left unanswered this long is forgotten


@dataclass(frozen=True)
class Waiting:
    kind: str
    data: dict[str, Any]


async def expect(ctx: Context, user_id: int, what: str, /, **data: Any) -> None:
    """Wait for `what` from the user; replaces whatever was awaited before."""
    now = ctx.clock.now()
    async with ctx.sessions() as session, session.begin():
        found = await session.get(Conversation, user_id)
        if found is None:
            found = Conversation(
                user_id=user_id, kind=what, data=data, updated_at=now, expires_at=now + LIFETIME
            )
            session.add(found)
        found.kind, found.data, found.updated_at = what, data, now
        found.expires_at = now + LIFETIME


async def awaited(ctx: Context, user_id: int) -> Waiting | None:
    async with read_session(ctx.engine) as session:
        found = await session.scalar(select(Conversation).where(Conversation.user_id == user_id))
    if found is None or found.expires_at <= ctx.clock.now():
        return None
    return Waiting(found.kind, dict(found.data))


async def forget(ctx: Context, user_id: int) -> None:
    async with ctx.sessions() as session, session.begin():
        await session.execute(delete(Conversation).where(Conversation.user_id == user_id))
