"""/rekap [KODE_SOP] [PERIODE]: the register of the cases the official may see, registered in the
period asked for (handlers/periode.py), as an XLSX document.

Made off the bot's loop (`records.issued.off_loop`), so the bot keeps answering while a large one
is written, and recorded as issued before it is sent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import Update

from bot.records.issued import issued, off_loop
from bot.records.rekap import Made, write_register
from bot.runtime.types import CallbackContext
from bot.services.context import Context
from handlers.common import reply, text, viewer
from handlers.periode import chosen
from models import Official


async def rekap(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    chat = update.effective_chat
    assert chat is not None
    asked = await chosen(update, context, "rekap")
    if asked is None:
        return
    code, span, period = asked.sop, asked.span, asked.period
    noun = ctx.sops.get(code).case.noun if code is not None else None
    who = viewer(update, me)
    day = ctx.clock.now().astimezone(ctx.settings.zone).date()
    name = f"rekap-{span.label if span else day.isoformat()}.xlsx"
    with tempfile.TemporaryDirectory(prefix="disposisi-rekap-") as folder:
        path = Path(folder) / name

        async def make(worker: Context) -> Made:
            return await write_register(worker, str(path), viewer=who, sop_code=code, period=period)

        made = await off_loop(ctx, make)
        if not made.cases:
            await reply(update, context, "rekap", state="empty", sop=code, noun=noun, period=span)
            return
        await issued(
            ctx,
            "rekap",
            by=me.id,
            sop=code,
            # as the console's `disposisi rekap` records its period
            start=period.start.isoformat() if period.start else None,
            end=period.end.isoformat() if period.end else None,
            cases=made.cases,
            restricted=made.restricted,
        )
        if len(made.sheets) == 1:  # one SOP's cases: its own word for them
            noun = ctx.sops.get(made.sheets[0]).case.noun
        caption = text(
            context,
            "rekap",
            state="sent",
            cases=made.cases,
            restricted=made.restricted,
            sop=code,
            noun=noun,
            day=day,
            period=span,
        )
        with path.open("rb") as handle:
            await context.bot.send_document(
                chat.id,
                handle,
                filename=name,
                caption=caption,
                protect_content=made.restricted > 0,  # as a restricted case's own files are
            )
