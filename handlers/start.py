"""`/start`: with an invitation token, registration; without, a greeting or a polite no."""

from __future__ import annotations

from telegram import Update

from bot.core.engine import WorkflowError
from bot.runtime.types import CallbackContext
from bot.services import invites, queries, strangers
from handlers.common import official, refuse, reply, stranger


async def start(update: Update, context: CallbackContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    ctx = context.bot_data.ctx
    token = (context.args or [""])[0]
    if token:
        name = " ".join(x for x in (user.first_name, user.last_name) if x)
        try:
            official_id = await invites.redeem(ctx, token, user.id, name)
        except WorkflowError as refusal:
            # A stranger's bad links are answered now and then, like their other messages: a
            # flood of them must not hold the updates of officials up.
            if await official(update, context) is None and not strangers.turn_away(
                ctx, user.id, pressed=False, private=True, about="link"
            ):
                return
            await refuse(update, context, refusal)
            return
        person = next(p for p in await queries.officials(ctx) if p.id == official_id)
        titles = [ctx.sops.role_title(role) for role in person.roles]
        await reply(update, context, "welcome", person=person, role_titles=titles)
        return
    me = await official(update, context)
    if me is None:
        await stranger(update, context)
        return
    await reply(update, context, "help", is_admin=me.is_admin)
