"""Plain text in a private chat: the answer to what the bot asked (a reason, an instruction, a
note, the next intake question). Files are `handlers.files`'."""

from __future__ import annotations

from telegram import Update

from bot.core.engine import Decide, Reject
from bot.runtime.types import CallbackContext
from bot.services import conversations, tasks
from bot.services.intake import INTAKE
from handlers import dispositions, files, intake
from handlers.common import reply
from models import Official


async def on_text(update: Update, context: CallbackContext, me: Official) -> None:
    assert update.message is not None
    ctx = context.bot_data.ctx
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    value = (update.message.text or "").strip()
    if waiting is None:
        await reply(update, context, "hint")
        return
    if waiting.kind == INTAKE:
        await intake.on_text(update, context, me, waiting.data)
        return
    if waiting.kind == dispositions.DISPOSITION:
        await dispositions.on_note(update, context, me, waiting.data)
        return
    task, version = int(waiting.data["task"]), int(waiting.data["version"])
    if waiting.kind == "reason":
        action = (
            Reject(value)
            if waiting.data.get("mode") == "reject"
            else Decide(str(waiting.data["option"]), value)
        )
        await tasks.act(ctx, task, me.id, action, version)
    elif waiting.kind == "instruction":
        await tasks.forward(ctx, task, me.id, int(waiting.data["to"]), value, version)
    elif waiting.kind == "note":
        await tasks.add_note(ctx, task, me.id, value)
    elif waiting.kind == files.SENT:  # a file sent by reply waits for its document
        await reply(update, context, "reply_file", stage="pick_first")
        return
    else:  # waiting for a file, got text
        await reply(update, context, "ask_file_again", title=waiting.data.get("title"))
        return
    await conversations.forget(ctx, me.telegram_user_id or 0)
    await reply(update, context, "saved")
