"""Every record issued (a register, a report, a sheet) is an audit event, and each is made off
the event loop, so the bot keeps answering while a large one is written."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.services.context import Context, build_context
from bot.services.notices import Delivery
from bot.services.uow import UnitOfWork
from models import Event

T = TypeVar("T")


async def issued(
    ctx: Context, kind: str, *, by: int | None, proposal_id: int | None = None, **payload: Any
) -> Event:
    """Record that `kind` ("rekap", "laporan", "lembar") was issued, by whom (None: the console),
    and what it covered; returns the event (its id and hash tie a sheet to the chain)."""
    async with UnitOfWork(ctx) as uow:
        event = issued_in(uow, kind, by=by, proposal_id=proposal_id, **payload)
        await uow.commit()
    return event


def issued_in(
    uow: UnitOfWork,
    kind: str,
    *,
    by: int | None,
    proposal_id: int | None = None,
    deliveries: list[Delivery] | None = None,
    **payload: Any,
) -> Event:
    """As `issued`, within `uow`; with `deliveries`, the record is also sent, as a document from
    the archive, in the same transaction (`services.notices.send_issued`): it is on record if
    and only if it is on its way."""
    return uow.record(
        "record_issued",
        proposal_id=proposal_id,
        actor_id=by,
        payload={"kind": kind, **payload},
        facts={"deliveries": deliveries or []},
    )


async def off_loop(ctx: Context, make: Callable[[Context], Awaitable[T]]) -> T:
    """Run `make` in a worker thread, on its own event loop and database connections: a
    register of 100,000 cases takes seconds of CPU that the bot's loop must not wait on."""

    def run() -> T:
        async def inside() -> T:
            worker = build_context(ctx.settings, clock=ctx.clock)
            try:
                return await make(worker)
            finally:
                await worker.close()

        return asyncio.run(inside())

    return await asyncio.to_thread(run)
