"""Plain messages in a private chat: the answer to what the bot asked (a reason, an
instruction, a note, a file, the next intake question)."""

from __future__ import annotations

from telegram import Update

from bot.core.engine import Decide, Reject
from bot.core.files import detect, safe_name
from bot.runtime.types import CallbackContext
from bot.services import conversations, tasks
from bot.services.conversations import Waiting
from bot.services.errors import DocumentRejected
from bot.services.intake import INTAKE
from handlers import intake
from handlers.common import received, reply
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
    else:  # waiting for a file, got text
        await reply(update, context, "ask_file_again", title=waiting.data.get("title"))
        return
    await conversations.forget(ctx, me.telegram_user_id or 0)
    await reply(update, context, "saved")


async def on_document(update: Update, context: CallbackContext, me: Official) -> None:
    assert update.message is not None and update.message.document is not None
    ctx = context.bot_data.ctx
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    if waiting is not None and waiting.kind == INTAKE:
        await intake.on_document(update, context, me, waiting.data)
        return
    if waiting is None or waiting.kind != "file":
        await reply(update, context, "hint_file")
        return
    await _attach(update, context, me, waiting)


async def _attach(update: Update, context: CallbackContext, me: Official, waiting: Waiting) -> None:
    assert update.message is not None and update.message.document is not None
    ctx = context.bot_data.ctx
    document = update.message.document
    task = int(waiting.data["task"])
    try:
        upload = await received(context, document)
    except DocumentRejected as refusal:
        await tasks.record_refusal(ctx, task, me.id, "attach", refusal)
        raise
    await tasks.attach_document(ctx, task, me.id, str(waiting.data["kind"]), upload)
    await conversations.forget(ctx, me.telegram_user_id or 0)
    name = safe_name(upload.file_name, detect(upload.content))  # as it was stored
    await reply(update, context, "attached", title=waiting.data.get("title"), name=name)
