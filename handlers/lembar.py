"""The disposition sheet from Telegram: its button on a case's history and status card sends the
PDF (made off the bot's loop), and /cek KODE says whether a sheet with that code was issued."""

from __future__ import annotations

import io

from telegram import Update

from bot.core.callbacks import Press
from bot.records import lembar
from bot.records.issued import off_loop
from bot.runtime.types import CallbackContext
from bot.services.context import Context
from handlers.common import answer, reply, text, viewer
from models import Official


async def check_code(update: Update, context: CallbackContext, me: Official) -> None:
    typed = " ".join(context.args or []).strip()
    if not typed:
        await reply(update, context, "usage", command="cek")
        return
    found = await lembar.check(context.bot_data.ctx, typed, viewer=viewer(update, me), by=me.id)
    await reply(update, context, "cek", found=found)


async def send_sheet(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """The case's sheet as of now, for this official (the visibility rule), recorded issued."""
    ctx, seeing = context.bot_data.ctx, viewer(update, me)
    number = await lembar.number_of(ctx, int(press.args[0]))
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None

    async def make(worker: Context) -> lembar.Issued:
        return await lembar.issue(worker, number, viewer=seeing, by=me.id)

    made = await off_loop(ctx, make)
    await answer(query, context, "choose")
    await context.bot.send_document(
        chat.id,
        io.BytesIO(made.content),
        filename=made.file_name,
        caption=text(context, "lembar_sent", number=made.number, code=lembar.shown(made.code)),
        protect_content=made.restricted,
    )


PRESSES = {"ld": send_sheet}
