"""Team group chats that follow proposals: subscribe and unsubscribe."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import roster
from bot.services.context import Context
from bot.services.errors import InvalidInput, NotFound
from bot.services.uow import UnitOfWork
from models import GroupSubscription


async def subscribe(
    ctx: Context, chat_id: int, title: str, sop_code: str | None = None, by: int | None = None
) -> None:
    """Follow one SOP's proposals (or every SOP's, with sop_code None); again = update."""
    if sop_code is not None and sop_code not in ctx.sops:
        raise NotFound("no such SOP", sop_code=sop_code)
    if chat_id > 0:
        raise InvalidInput("only group chats can subscribe", field="chat_id")
    async with UnitOfWork(ctx) as uow:
        await roster.require_admin(uow.session, by)
        found = await uow.session.scalar(
            select(GroupSubscription).where(GroupSubscription.chat_id == chat_id)
        )
        if found is None:
            found = GroupSubscription(chat_id=chat_id, title=title, subscribed_at=uow.now)
            uow.session.add(found)
        found.title, found.sop_code, found.active = title, sop_code, True
        found.subscribed_by_id = by
        uow.record(
            "group_subscribed",
            actor_id=by,
            payload={"chat_id": chat_id, "title": title, "sop_code": sop_code},
        )
        await uow.commit()


async def unsubscribe(ctx: Context, chat_id: int, by: int | None = None) -> bool:
    async with UnitOfWork(ctx) as uow:
        await roster.require_admin(uow.session, by)
        found = await uow.session.scalar(
            select(GroupSubscription).where(
                GroupSubscription.chat_id == chat_id, GroupSubscription.active.is_(True)
            )
        )
        if found is None:
            return False
        found.active = False
        uow.record("group_unsubscribed", actor_id=by, payload={"chat_id": chat_id})
        await uow.commit()
        return True
