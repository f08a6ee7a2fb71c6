"""Strangers (no active official behind the Telegram account): turned away politely, counted in
memory, and recorded now and then as one audit event — a flood of strangers must cost no
database write per message."""

from __future__ import annotations

import logging

from bot.services.context import Context
from bot.services.uow import UnitOfWork

log = logging.getLogger(__name__)


def turn_away(
    ctx: Context, user_id: int | None, *, pressed: bool, private: bool, about: str = "message"
) -> bool:
    """Count one stranger turned away; whether to answer now. A press always (its answer waits
    on no chat's limit), a message in a private chat now and then (`bot.core.strangers`), one in a
    group never. `about` "link" (an invitation link refused) is told apart from other messages,
    so a stranger told "not registered" still hears why their link does not work."""
    ctx.strangers_refused += 1
    if pressed:
        return True
    return private and user_id is not None and ctx.strangers_told.tell(user_id, about)


async def record_turned_away(ctx: Context) -> None:
    """One audit event for the strangers turned away since the last one."""
    count, ctx.strangers_refused = ctx.strangers_refused, 0
    if not count:
        return
    try:
        async with UnitOfWork(ctx) as uow:
            uow.record("strangers_refused", payload={"count": count})
            await uow.commit()
    except Exception:  # a job must not die of it: the count waits for the next time
        ctx.strangers_refused += count
        log.exception("could not record the strangers refused")
