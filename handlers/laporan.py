"""/laporan [KODE_SOP] [PERIODE]: the SOP compliance report of the cases the official may see,
registered in the period asked for (handlers/periode.py), made off the bot's loop
(`records.issued.off_loop`) and sent as a PDF."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.core.texts import text
from bot.records import laporan_file
from bot.records.issued import off_loop
from bot.runtime.types import CallbackContext
from bot.services.context import Context
from handlers.common import reply, viewer
from handlers.periode import chosen
from models import Official


async def laporan(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    chat = update.effective_chat
    if chat is None:
        return
    asked = await chosen(update, context, "laporan")
    if asked is None:
        return
    code = asked.sop
    await reply(update, context, "laporan", stage="making")
    who = viewer(update, me)

    async def make(worker: Context) -> laporan_file.Made:
        return await laporan_file.make(
            worker, "pdf", by=me.id, viewer=who, sop_code=code, period=asked.period
        )

    made = await off_loop(ctx, make)
    sop = code or text("laporan", "file_every_sop")
    if asked.span is not None:
        name = text("laporan", "period_file_name", sop=sop, period=asked.span.label)
    else:
        day = ctx.clock.now().astimezone(ctx.settings.zone).date().isoformat()
        name = text("laporan", "file_name", sop=sop, day=day)
    caption = context.bot_data.renderer.render(
        "laporan",
        {
            "stage": "sent",
            "cases": made.cases,
            "sop": ctx.sops.get(code).header.name if code else None,
            "period": asked.span,
        },
    )
    await context.bot.send_document(
        chat.id, InputFile(made.content, filename=name), filename=name, caption=caption
    )
