"""/laporan [KODE_SOP]: the SOP compliance report of the cases the official may see, made off
the bot's loop (`records.issued.off_loop`) and sent as a PDF."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.core.texts import text
from bot.records import laporan_file
from bot.records.issued import off_loop
from bot.runtime.types import CallbackContext
from bot.services.context import Context
from handlers.common import reply, viewer
from models import Official


async def laporan(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    chat = update.effective_chat
    if chat is None:
        return
    code = " ".join(context.args or []).strip() or None
    if code is not None and code not in ctx.sops:
        codes = sorted({spec.code for spec in ctx.sops.latest()})
        await reply(update, context, "laporan", stage="unknown", given=code[:64], codes=codes)
        return
    await reply(update, context, "laporan", stage="making")
    who = viewer(update, me)

    async def make(worker: Context) -> laporan_file.Made:
        return await laporan_file.make(worker, "pdf", by=me.id, viewer=who, sop_code=code)

    made = await off_loop(ctx, make)
    day = ctx.clock.now().astimezone(ctx.settings.zone).date().isoformat()
    name = text("laporan", "file_name", sop=code or text("laporan", "file_every_sop"), day=day)
    caption = context.bot_data.renderer.render(
        "laporan",
        {
            "stage": "sent",
            "cases": made.cases,
            "sop": ctx.sops.get(code).header.name if code else None,
        },
    )
    await context.bot.send_document(
        chat.id, InputFile(made.content, filename=name), filename=name, caption=caption
    )
