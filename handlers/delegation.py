"""`/delegasi`: name an acting official (Plh) for a few days — two taps."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core import callbacks
from bot.core.callbacks import Press
from bot.runtime.messages import button
from bot.runtime.types import CallbackContext
from bot.services import colleagues, officials
from bot.services.errors import InvalidInput, NotPermitted
from handlers.common import answer, reply, row_id
from models import Official

DURATIONS = (1, 3, 7, 14)  # days


async def begin(update: Update, context: CallbackContext, me: Official) -> None:
    """/delegasi — for oneself; an admin may add the id of the official who will be away."""
    args = context.args or []
    holder = me.id
    if args:
        if not me.is_admin:
            raise NotPermitted("admins only")
        named = row_id(args[0])
        if named is None:
            raise InvalidInput("official id")
        holder = named
    people = await colleagues.stand_in_candidates(context.bot_data.ctx, holder)
    rows = [
        [InlineKeyboardButton(p.name, callback_data=callbacks.encode("dg", holder, p.id))]
        for p in people
    ]
    rows.append([button(context.bot_data.renderer, "cancel", "xx")])
    await reply(update, context, "delegation_pick", InlineKeyboardMarkup(rows))


async def press(update: Update, context: CallbackContext, me: Official, pressed: Press) -> None:
    query = update.callback_query
    assert query is not None
    holder, acting = int(pressed.args[0]), int(pressed.args[1])
    if holder != me.id and not me.is_admin:
        raise NotPermitted("admins only")
    if pressed.verb == "dg":
        rows = [
            [
                InlineKeyboardButton(
                    context.bot_data.renderer.render("label", {"name": "days", "title": str(d)}),
                    callback_data=callbacks.encode("dd", holder, acting, d),
                )
            ]
            for d in DURATIONS
        ]
        await answer(query, context, "choose")
        await reply(update, context, "delegation_days", InlineKeyboardMarkup(rows))
        return
    days = int(pressed.args[2])
    if days not in DURATIONS:  # only what the menu offered: a forged 36,500 would block the role
        raise InvalidInput("days", field="days")
    done = await officials.delegate_for_days(
        context.bot_data.ctx, holder_id=holder, acting_id=acting, days=days, by=me.id
    )
    await answer(query, context, "done")
    await reply(
        update,
        context,
        "delegation_done",
        holder=done.holder,
        acting=done.acting,
        end=done.end,
        roles=done.roles,
    )
