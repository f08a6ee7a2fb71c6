"""Every record issued (a register, a report, a sheet) is an audit event, and each is made off
the event loop, so the bot keeps answering while a large one is written.

One asked for in Telegram is archived, then recorded and queued for the outbox sender in one
transaction (`issued_to`): on record if and only if on its way, and a send Telegram refused is
retried by the sender, not made and recorded again."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.services.context import Context, build_context
from bot.services.notices import Delivery
from bot.services.uow import UnitOfWork
from bot.storage.archive import Stored
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


@dataclass(frozen=True)
class Outgoing:
    """A record made for one chat, to send as a document: `name` its file's name, `template`
    with `context` its caption (kept as JSON in the outbox: no dates, no objects), `protect`
    Telegram's protect_content (a restricted case's papers)."""

    chat: int
    name: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    protect: bool = False


async def issued_to(
    ctx: Context,
    kind: str,
    stored: Stored,
    to: Outgoing,
    *,
    by: int,
    proposal_id: int | None = None,
    **payload: Any,
) -> Event:
    """Record `kind` issued to `to.chat` and queue the archived file (`stored`) for it, in one
    transaction (which also marks the update that asked for it handled)."""
    context = {
        **to.context,
        "file": {"archive_path": stored.path, "name": to.name, "sha256": stored.sha256},
        "protect": to.protect,
    }
    key = f"{kind}:{by}:{secrets.token_hex(8)}"  # each request its own: asked twice, sent twice
    delivery = Delivery(to.chat, to.template, context, key)
    async with UnitOfWork(ctx) as uow:
        event = issued_in(
            uow, kind, by=by, proposal_id=proposal_id, deliveries=[delivery], **payload
        )
        await uow.commit()
    return event


async def refused(ctx: Context, kind: str, *, by: int, code: str, **payload: Any) -> None:
    """A record asked for that is not made (a forged button), recorded as a task's refusal is
    (`action_refused`)."""
    async with UnitOfWork(ctx) as uow:
        uow.record(
            "action_refused",
            actor_id=by,
            payload={"action": kind, "code": code, "official_id": by, **payload},
        )
        await uow.commit()


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
