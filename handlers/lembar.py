"""The disposition sheet from Telegram: its button on a case's history and status card sends the
PDF (made off the bot's loop, sent by the outbox), and /cek KODE says whether a sheet with that
code was issued."""

from __future__ import annotations

from telegram import Update

from bot.core.callbacks import Press
from bot.records import issued, lembar, on_demand
from bot.runtime.types import CallbackContext
from bot.services.context import Context
from handlers.common import answer, reply, viewer
from models import Official


async def check_code(update: Update, context: CallbackContext, me: Official) -> None:
    typed = " ".join(context.args or []).strip()
    if not typed:
        await reply(update, context, "usage", command="cek")
        return
    found = await lembar.check(context.bot_data.ctx, typed, viewer=viewer(update, me), by=me.id)
    await reply(update, context, "cek", found=found)


async def send_sheet(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """The case's sheet as of now, for this official (the visibility rule), recorded issued and
    queued for the sender together. Only in a private chat: the button is never drawn in a
    group (the whole group would be handed the case's papers), so a press there is forged."""
    ctx, seeing = context.bot_data.ctx, viewer(update, me)
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    if chat.type != "private":
        await issued.refused(
            ctx, lembar.KIND, by=me.id, code="not_offered", chat_id=chat.id, proposal=press.args[0]
        )
        await answer(query, context, "stale_button", alert=True)
        return
    number = await lembar.number_of(ctx, int(press.args[0]))

    async def make(worker: Context) -> on_demand.Sheet:
        return await on_demand.sheet(worker, number, viewer=seeing, by=me.id)

    made = await issued.off_loop(ctx, make)
    sheet = made.issued
    caption = {"number": sheet.number, "code": lembar.shown(sheet.code)}
    to = issued.Outgoing(chat.id, sheet.file_name, "lembar_sent", caption, sheet.restricted)
    await issued.issued_to(
        ctx, lembar.KIND, made.stored, to, by=me.id, proposal_id=made.proposal_id, **made.payload
    )
    await answer(query, context, "choose")


PRESSES = {"ld": send_sheet}
