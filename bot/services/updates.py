"""Updates taken in once: an update id seen twice (Telegram retrying a webhook, two instances)
is handled once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.services.context import Context
from models import ReceivedUpdate


async def record(ctx: Context, update_id: int, payload: dict[str, Any]) -> bool:
    """Store an update before acknowledging it (webhook mode); False if it was already here."""
    try:
        async with ctx.sessions() as session, session.begin():
            session.add(
                ReceivedUpdate(update_id=update_id, payload=payload, received_at=ctx.clock.now())
            )
    except IntegrityError:
        return False
    return True


async def claim(ctx: Context, update_id: int) -> bool:
    """Take an update for handling; False if it is being or has been handled already."""
    now = ctx.clock.now()
    async with ctx.sessions() as session, session.begin():
        taken = await session.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == update_id, ReceivedUpdate.handled_at.is_(None))
            .values(handled_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if (
            await session.scalar(
                select(ReceivedUpdate.update_id).where(ReceivedUpdate.update_id == update_id)
            )
            is not None
        ):
            return False
    try:  # polling mode: first sight of this update
        async with ctx.sessions() as session, session.begin():
            session.add(
                ReceivedUpdate(update_id=update_id, payload=None, received_at=now, handled_at=now)
            )
    except IntegrityError:
        return False
    return True


async def unhandled(ctx: Context) -> list[dict[str, Any]]:
    """Updates recorded but never handled (a crash after the webhook answered): handle them."""
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(ReceivedUpdate.payload)
            .where(ReceivedUpdate.handled_at.is_(None), ReceivedUpdate.payload.is_not(None))
            .order_by(ReceivedUpdate.update_id)
        )
        return [dict(r) for r in rows if r]
