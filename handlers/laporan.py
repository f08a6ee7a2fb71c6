"""/laporan [KODE_SOP] [PERIODE]: the SOP compliance report of the cases the official may see,
registered in the period asked for (handlers/periode.py), as a PDF, in a private chat only.

Made and archived off the bot's loop (`records.issued.off_loop`); then recorded issued and
queued for the outbox sender in one transaction (`records.issued.issued_to`). With no case to
report, it says so, as /rekap does: no file, nothing on record."""

from __future__ import annotations

from telegram import Update

from bot.core.texts import text
from bot.records import on_demand
from bot.records.issued import Outgoing, issued_to, off_loop
from bot.runtime.types import CallbackContext
from bot.services.context import Context
from handlers.common import reply, viewer
from handlers.periode import as_json, chosen
from models import Official


async def laporan(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    chat = update.effective_chat
    assert chat is not None
    asked = await chosen(update, context, "laporan")
    if asked is None:
        return
    code, span = asked.sop, asked.span
    await reply(update, context, "laporan", stage="making")
    who = viewer(update, me)

    async def make(worker: Context) -> on_demand.Made:
        return await on_demand.report(worker, viewer=who, sop_code=code, period=asked.period)

    made = await off_loop(ctx, make)
    sop_name = ctx.sops.get(code).header.name if code else None
    if made.stored is None:
        await reply(update, context, "laporan", stage="empty", sop=sop_name, period=span)
        return
    sop = code or text("laporan", "file_every_sop")
    if span is not None:
        name = text("laporan", "period_file_name", sop=sop, period=span.label)
    else:
        day = ctx.clock.now().astimezone(ctx.settings.zone).date().isoformat()
        name = text("laporan", "file_name", sop=sop, day=day)
    caption = {"stage": "sent", "cases": made.cases, "sop": sop_name, "period": as_json(span)}
    to = Outgoing(chat.id, name, "laporan", caption)
    await issued_to(ctx, "laporan", made.stored, to, by=me.id, **made.payload)
