"""/cek KODE held back for an official who keeps giving wrong codes: after `LIMIT` refused within
`WINDOW`, their next tries are not checked (a forged code could otherwise be guessed, and each
refusal would grow the audit trail) until the oldest of those refusals leaves the window.

The count is of the official's `record_check_refused` events in the database, not a counter in
memory, so it holds across a restart and between two instances on one database. A hold is
recorded once, when it starts (`record_check_throttled`), not at every try it turns away. The
decision to record a refusal is taken with the official's row locked (`gate`), so two tries at
once from two instances cannot both slip under the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.context import Context
from bot.services.uow import UnitOfWork
from bot.storage.db import read_session
from models import Event, Official

LIMIT = 5  # refused codes…
WINDOW = timedelta(minutes=10)  # …within this long
REFUSED = "record_check_refused"
THROTTLED = "record_check_throttled"


@dataclass(frozen=True)
class Held:
    """An official held back until `until`; `last_refused`: the id of their newest refusal."""

    until: datetime
    last_refused: int

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes to wait, rounded up: "in 0 minutes" would be a lie for 30 seconds."""
        return max(1, math.ceil((self.until - now).total_seconds() / 60))


async def held(ctx: Context, official_id: int) -> Held | None:
    """Whether the official is held now (a read only: most /cek are not)."""
    async with read_session(ctx.engine) as session:
        return await _held(session, official_id, ctx.clock.now())


async def gate(uow: UnitOfWork, official_id: int) -> Held | None:
    """Inside the unit that would record a refusal: the official's row locked, whether they are
    held after all (another try got there first); if so, the hold recorded, once."""
    await uow.session.execute(
        select(Official.id).where(Official.id == official_id).with_for_update()
    )
    found = await _held(uow.session, official_id, uow.now)
    if found is None:
        return None
    told = await uow.session.scalar(
        select(Event.id)
        .where(Event.type == THROTTLED, Event.actor_id == official_id)
        .where(Event.id > found.last_refused)
        .limit(1)
    )
    if told is None:
        uow.record(
            THROTTLED,
            actor_id=official_id,
            payload={"kind": "lembar", "refused": LIMIT, "until": found.until.isoformat()},
        )
    return found


async def _held(session: AsyncSession, official_id: int, now: datetime) -> Held | None:
    recent = (
        await session.execute(
            select(Event.id, Event.occurred_at)
            .where(Event.type == REFUSED, Event.actor_id == official_id)
            .where(Event.occurred_at > now - WINDOW)
            .order_by(Event.id.desc())
            .limit(LIMIT)
        )
    ).all()
    if len(recent) < LIMIT:
        return None
    return Held(min(r.occurred_at for r in recent) + WINDOW, recent[0].id)
