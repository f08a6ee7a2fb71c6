"""Admin commands: invitations, the list of officials, removal, group subscriptions."""

from __future__ import annotations

from telegram import Update

from bot.runtime.types import CallbackContext
from bot.services import groups, invites, officials, queries
from bot.services.errors import InvalidInput, NotPermitted
from handlers.common import reply, row_id
from models import Official


def _admin(me: Official) -> None:
    if not me.is_admin:
        raise NotPermitted("admins only")


def deep_link(username: str, token: str) -> str:
    return f"https://t.me/{username}?start={token}"


async def invite(update: Update, context: CallbackContext, me: Official) -> None:
    """/undang ROLE [UNIT…] — a one-time link that binds whoever opens it to ROLE."""
    _admin(me)
    args = list(context.args or [])
    if not args:
        roles = sorted({r for spec in context.bot_data.ctx.sops.all() for r in spec.roles})
        await reply(update, context, "usage", command="undang", roles=roles)
        return
    role, unit = args[0], " ".join(args[1:]) or None
    is_admin = role == "admin"
    token = await invites.create_invite(
        context.bot_data.ctx,
        role=None if is_admin else role,
        unit=unit,
        is_admin=is_admin,
        by=me.id,
    )
    await reply(
        update,
        context,
        "invite_link",
        role=role,
        unit=unit,
        link=deep_link(context.bot.username, token),
    )


async def list_officials(update: Update, context: CallbackContext, me: Official) -> None:
    _admin(me)
    ctx = context.bot_data.ctx
    people = await queries.officials(ctx)
    titles = {role: ctx.sops.role_title(role) for p in people for role in p.roles}
    await reply(update, context, "officials", people=people, titles=titles)


async def revoke(update: Update, context: CallbackContext, me: Official) -> None:
    """/cabut ID — the official no longer acts; their record stays."""
    _admin(me)
    args = context.args or []
    gone = row_id(args[0]) if len(args) == 1 else None
    if gone is None:
        await reply(update, context, "usage", command="cabut")
        return
    if gone == me.id:
        raise InvalidInput("not oneself")
    await officials.deactivate(context.bot_data.ctx, gone, by=me.id)
    await reply(update, context, "saved")


async def subscribe(update: Update, context: CallbackContext, me: Official) -> None:
    """/langganan in a group: the group gets a live card per proposal."""
    _admin(me)
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        await reply(update, context, "usage", command="langganan")
        return
    await groups.subscribe(context.bot_data.ctx, chat.id, chat.title or str(chat.id), by=me.id)
    await reply(update, context, "subscribed")


async def unsubscribe(update: Update, context: CallbackContext, me: Official) -> None:
    _admin(me)
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        await reply(update, context, "usage", command="berhenti")
        return
    stopped = await groups.unsubscribe(context.bot_data.ctx, chat.id, by=me.id)
    await reply(update, context, "unsubscribed", was=stopped)
