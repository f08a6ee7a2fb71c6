"""Updates taken in once: an update id seen twice (Telegram retrying a webhook, two instances)
is handled once."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    """Take an update for handling; False if it is being or has been handled already.

    One statement: insert it as handled (polling mode, first sight), or mark a webhook's stored
    update handled if nobody has; a row already handled returns nothing."""
    now = ctx.clock.now()
    table = cast(Table, ReceivedUpdate.__table__)
    insert = pg_insert if ctx.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(
        update_id=update_id, payload=None, received_at=now, handled_at=now
    )
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.update_id],
        set_={"handled_at": statement.excluded.handled_at},
        where=table.c.handled_at.is_(None),
    ).returning(table.c.update_id)
    async with ctx.engine.begin() as connection:
        return (await connection.execute(upsert)).first() is not None


async def unhandled(ctx: Context) -> list[dict[str, Any]]:
    """Updates recorded but never handled (a crash after the webhook answered): handle them."""
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(ReceivedUpdate.payload)
            .where(ReceivedUpdate.handled_at.is_(None), ReceivedUpdate.payload.is_not(None))
            .order_by(ReceivedUpdate.update_id)
        )
        return [dict(r) for r in rows if r]
