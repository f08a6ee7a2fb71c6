"""The inbox: each update is handled exactly once, even across a crash or between instances.

- An update is stored (`store`) before Telegram is told we have it: before the webhook answers
  200, before the polling offset moves past it. One fetched before a crash is replayed.
- Handling it takes a lease (`handling`): another instance, or a replay, leaves it alone while
  the lease runs; a dead instance's lease runs out and the update is taken up again.
- It is marked handled in the same transaction as what it causes: the first unit of work that
  commits during its handling marks it (`mark_in`), and one that finds it already marked rolls
  back — so its effects happen once. A handler that changes nothing marks it at the end.
- One that fails `MAX_ATTEMPTS` times, or cannot be parsed, is set aside with its error (secrets
  scrubbed) for the admins to see (`disposisi inbox`), and the bot goes on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.services.context import Context
from bot.services.once import (
    CURRENT,
    MARK,
    MAX_ERROR,
    Handling,
    TakenElsewhere,
    committed,
    failed_now,
    mark_in,
)
from bot.services.queries import active_official
from bot.services.uow import UnitOfWork
from models import Official, ReceivedUpdate

__all__ = ["TakenElsewhere", "committed", "failed_now", "mark_in"]  # the once-guard's, here too

log = logging.getLogger(__name__)
_TABLE = cast(Table, ReceivedUpdate.__table__)

MAX_ATTEMPTS = 3


def _lease(ctx: Context) -> timedelta:
    """How long a handling holds an update: longer than any one update takes."""
    return timedelta(seconds=ctx.settings.inbox_lease_seconds)


def _insert(ctx: Context) -> Any:
    return pg_insert if ctx.engine.dialect.name == "postgresql" else sqlite_insert


async def store(ctx: Context, payloads: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store fetched updates in one transaction; returns those not stored before (in order)."""
    rows = [p for p in payloads if isinstance(p.get("update_id"), int)]
    if not rows:
        return []
    now = ctx.clock.now()
    statement = (
        _insert(ctx)(_TABLE)
        .values([{"update_id": p["update_id"], "payload": p, "received_at": now} for p in rows])
        .on_conflict_do_nothing(index_elements=[_TABLE.c.update_id])
        .returning(_TABLE.c.update_id)
    )
    async with ctx.engine.begin() as connection:
        fresh = set((await connection.execute(statement)).scalars())
    return [p for p in rows if p["update_id"] in fresh]


async def _take(
    ctx: Context, update_id: int, user_id: int | None
) -> tuple[int | None, Official | None]:
    """Lease the update: its attempt number (None if handled, set aside or leased elsewhere)
    and, in the same transaction, the active official behind `user_id` (None: a stranger)."""
    now = ctx.clock.now()
    taking = (
        update(ReceivedUpdate)
        .where(
            ReceivedUpdate.update_id == update_id,
            ReceivedUpdate.handled_at.is_(None),
            ReceivedUpdate.set_aside_at.is_(None),
            or_(ReceivedUpdate.lease_until.is_(None), ReceivedUpdate.lease_until <= now),
        )
        .values(lease_until=now + _lease(ctx), attempts=ReceivedUpdate.attempts + 1)
        .returning(ReceivedUpdate.attempts)
        .execution_options(synchronize_session=False)
    )
    async with ctx.sessions() as session, session.begin():
        attempt = (await session.execute(taking)).scalar()
        if attempt is None or user_id is None:
            return attempt, None
        return attempt, await session.scalar(active_official(user_id))


@contextlib.asynccontextmanager
async def handling(
    ctx: Context, update_id: int, user_id: int | None = None
) -> AsyncIterator[Handling | None]:
    """Handle a stored update under a lease; yields None when it is not ours to handle. A
    database error here stops the handling (the update stays, and is replayed later).
    `user_id`, the Telegram user who sent it, is looked up with the lease (see `Handling`)."""
    try:
        attempt, speaker = await _take(ctx, update_id, user_id)
    except Exception:
        log.exception("could not take update %s; it will be replayed", update_id)
        yield None
        return
    if attempt is None:
        yield None
        return
    current = Handling(update_id, attempt, speaker_id=user_id, speaker=speaker)
    token = CURRENT.set(current)
    try:
        yield current
    finally:
        CURRENT.reset(token)
    try:
        if current.error is not None and not current.marked:
            await _failed(ctx, current)
        elif not current.marked:  # a handler that changed nothing: handled all the same
            async with ctx.engine.begin() as connection:
                await connection.execute(MARK, {"id": update_id, "now": ctx.clock.now()})
    except Exception:
        log.exception("could not close update %s; it will be replayed", update_id)


async def _failed(ctx: Context, current: Handling) -> None:
    now = ctx.clock.now()
    values: dict[str, Any] = {"error": current.error, "lease_until": None}
    if current.attempt >= MAX_ATTEMPTS:
        values["set_aside_at"] = now
        log.error("update %s set aside after %s attempts", current.update_id, current.attempt)
    async with ctx.engine.begin() as connection:
        await connection.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == current.update_id)
            .values(**values)
        )
    if "set_aside_at" in values:
        await _tell_admins(ctx, current.update_id, current.attempt, current.error or "")


async def _tell_admins(ctx: Context, update_id: int, attempts: int, error: str) -> None:
    """An update given up on is an event, and the admins hear of it in Telegram."""
    async with UnitOfWork(ctx) as uow:
        context = {"update_id": update_id, "attempts": attempts, "error": error}
        uow.record(
            "update_set_aside",
            payload={"update_id": update_id, "attempts": attempts},
            facts={"template": "update_set_aside", "context": context},
        )
        await uow.commit()


async def set_aside(ctx: Context, update_id: int, error: str) -> None:
    """An update that cannot even be parsed: keep it, with why, and never try it again."""
    async with ctx.engine.begin() as connection:
        await connection.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == update_id, ReceivedUpdate.handled_at.is_(None))
            .values(error=error[:MAX_ERROR], set_aside_at=ctx.clock.now(), lease_until=None)
        )


async def pending(
    ctx: Context, limit: int = 500, *, at_start: bool = False
) -> list[dict[str, Any]]:
    """Stored updates waiting to be handled, whose lease (if any) has run out: taken in before
    a crash, or by an instance that died, or failed and due another try. One stored less than
    a lease ago is left to the instance that took it in — except `at_start`, when whatever
    this instance took in before it died is taken up at once."""
    now = ctx.clock.now()
    settled = now if at_start else now - _lease(ctx)
    async with ctx.engine.connect() as connection:
        rows = await connection.execute(
            select(ReceivedUpdate.payload)
            .where(
                ReceivedUpdate.handled_at.is_(None),
                ReceivedUpdate.set_aside_at.is_(None),
                ReceivedUpdate.payload.is_not(None),
                or_(ReceivedUpdate.lease_until.is_(None), ReceivedUpdate.lease_until <= now),
                ReceivedUpdate.received_at <= settled,
            )
            .order_by(ReceivedUpdate.update_id)
            .limit(limit)
        )
        return [dict(r) for (r,) in rows if isinstance(r, dict)]


@dataclass(frozen=True)
class SetAside:
    update_id: int
    received_at: Any
    attempts: int
    error: str | None


async def set_aside_list(ctx: Context, limit: int = 50) -> list[SetAside]:
    """The updates given up on, newest first, for the admins."""
    async with ctx.engine.connect() as connection:
        rows = await connection.execute(
            select(
                ReceivedUpdate.update_id,
                ReceivedUpdate.received_at,
                ReceivedUpdate.attempts,
                ReceivedUpdate.error,
            )
            .where(and_(ReceivedUpdate.set_aside_at.is_not(None)))
            .order_by(ReceivedUpdate.update_id.desc())
            .limit(limit)
        )
        return [SetAside(*row) for row in rows]
