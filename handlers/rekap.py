"""/rekap [KODE_SOP] [PERIODE]: the register of the cases the official may see, registered in the
period asked for (handlers/periode.py), as an XLSX document, in a private chat only.

Made and archived off the bot's loop (`records.issued.off_loop`), so the bot keeps answering
while a large one is written; then recorded issued and queued for the outbox sender in one
transaction (`records.issued.issued_to`)."""

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


async def rekap(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    chat = update.effective_chat
    assert chat is not None
    asked = await chosen(update, context, "rekap")
    if asked is None:
        return
    code, span = asked.sop, asked.span
    noun = ctx.sops.get(code).case.noun if code is not None else None
    who = viewer(update, me)

    async def make(worker: Context) -> on_demand.Made:
        return await on_demand.register(worker, viewer=who, sop_code=code, period=asked.period)

    made = await off_loop(ctx, make)
    if made.stored is None:
        await reply(update, context, "rekap", state="empty", sop=code, noun=noun, period=span)
        return
    if len(made.sheets) == 1:  # one SOP's cases: its own word for them
        noun = ctx.sops.get(made.sheets[0]).case.noun
    day = ctx.clock.now().astimezone(ctx.settings.zone).date()
    caption = {
        "state": "sent",
        "cases": made.cases,
        "restricted": made.restricted,
        "sop": code,
        "noun": noun,
        "day": day.isoformat(),
        "period": as_json(span),
    }
    name = text("rekap", "file_name", label=span.label if span else day.isoformat())
    # Protected as a restricted case's own files are.
    to = Outgoing(chat.id, name, "rekap", caption, protect=made.restricted > 0)
    await issued_to(ctx, "rekap", made.stored, to, by=me.id, **made.payload)
