"""Files sent to the bot in a private chat, as a document or as a photo: the one the bot asked
for (after 📎, or at the intake), or one sent as a reply to a task's message, which attaches it
to that task without 📎.

A reply goes through the same gate as 📎 (`tasks.check`, "attach"). The document it is: for a
reply to a letter draft, that letter; else the one upload the step still lacks; if it lacks
several, or none (then as a supporting document, from the same list 📎 offers), the official
picks with one tap (`pick_document`, the `up` buttons marked as for the file already sent), the
file remembered meanwhile by its Telegram id."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.core import callbacks
from bot.core.callbacks import Press
from bot.runtime.messages import button
from bot.runtime.types import CallbackContext
from bot.services import conversations, documents, queries, tasks
from bot.services.conversations import Waiting
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected
from bot.services.intake import INTAKE
from handlers import intake
from handlers.common import answer, fetch, received, reply
from models import Official

FILE = "file"  # waiting for the file of a document picked with 📎
SENT = "reply_file"  # holding a file sent by reply until its document is picked
SENT_FLAG = 1  # the `up` button's fourth id: for the file already sent


async def on_file(update: Update, context: CallbackContext, me: Official) -> None:
    message = update.message
    assert message is not None
    ctx = context.bot_data.ctx
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    task_id = await _replied_task(update, context, message)
    if task_id is not None:
        if waiting is not None and waiting.kind == FILE and waiting.data["task"] == task_id:
            await _attach(update, context, me, waiting)  # 📎, then the file as a reply to it
        else:
            await _by_reply(update, context, me, task_id)
    elif waiting is not None and waiting.kind == INTAKE:
        await intake.on_document(update, context, me, waiting.data)
    elif waiting is not None and waiting.kind == FILE:
        await _attach(update, context, me, waiting)
    elif message.reply_to_message is not None:
        await reply(update, context, "reply_file", stage="not_task")
    else:
        await reply(update, context, "hint_file")


async def _replied_task(update: Update, context: CallbackContext, message: Message) -> int | None:
    """The task of the message replied to: by the outbox row that sent it; else, for a task
    sent again by /tugas (answered at once, not through the outbox), by its 📎 button. Telegram
    fills `reply_to_message` itself, and the gate decides anyway."""
    replied, chat = message.reply_to_message, update.effective_chat
    if replied is None or chat is None:
        return None
    found = await queries.task_of_message(context.bot_data.ctx, chat.id, replied.message_id)
    if found is not None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return found
    keys = replied.reply_markup.inline_keyboard if replied.reply_markup else ()
    for key in (k for row in keys for k in row):
        data = key.callback_data if isinstance(key.callback_data, str) else None
        pressed = callbacks.decode(data)
        if pressed is not None and pressed.verb == "up":
            return int(pressed.args[0])
    return None


async def _replied_letter(update: Update, context: CallbackContext) -> str | None:
    """The document a letter draft replied to becomes, if the message replied to is one."""
    assert update.message is not None
    replied, chat = update.message.reply_to_message, update.effective_chat
    if replied is None or chat is None:
        return None
    return await queries.letter_of_message(context.bot_data.ctx, chat.id, replied.message_id)


async def _receive(context: CallbackContext, me: Official, task: int, message: Message) -> Upload:
    try:
        return await received(context, message)
    except DocumentRejected as refusal:
        await tasks.record_refusal(context.bot_data.ctx, task, me.id, "attach", refusal)
        raise


async def _attach(update: Update, context: CallbackContext, me: Official, waiting: Waiting) -> None:
    """The file the bot asked for after 📎, for the document picked then."""
    assert update.message is not None
    task, kind = int(waiting.data["task"]), str(waiting.data["kind"])
    title = str(waiting.data.get("title") or "")
    upload = await _receive(context, me, task, update.message)
    await _store(update, context, me, task, kind, title, upload)


async def _store(
    update: Update,
    context: CallbackContext,
    me: Official,
    task: int,
    kind: str,
    title: str,
    upload: Upload,
    *,
    answered: bool = True,
) -> None:
    """Attach, and say so; `answered`: what the bot waited for was this file (forget it)."""
    ctx = context.bot_data.ctx
    await tasks.attach_document(ctx, task, me.id, kind, upload)
    if answered:
        await conversations.forget(ctx, me.telegram_user_id or 0)
    name = documents.stored_name(upload, title)
    await reply(update, context, "attached", title=title, name=name)


async def _by_reply(update: Update, context: CallbackContext, me: Official, task: int) -> None:
    assert update.message is not None
    ctx = context.bot_data.ctx
    view = await tasks.check(ctx, task, me.id, None, "attach")  # the 📎 button's gate
    listed = view.uploads or view.documents  # what 📎 offers, in its order
    if not listed:
        await reply(update, context, "reply_file", stage="no_file", view=view)
        return
    upload = await _receive(context, me, task, update.message)
    letter = await _replied_letter(update, context)
    drafted = [(kind, title) for kind, title in view.uploads if kind == letter]
    if drafted or len(view.missing) == 1:
        # The reply to a letter draft is that letter; else the one document the step lacks.
        # Whatever else the bot waits for (an intake) waits on.
        kind, title = drafted[0] if drafted else view.missing[0]
        await _store(update, context, me, task, kind, title, upload, answered=False)
        return
    await tasks.check_file(ctx, task, me.id, upload)  # a wrong file is told before the pick
    offered = view.missing or listed
    await conversations.expect(
        ctx,
        me.telegram_user_id or 0,
        SENT,
        task=task,
        version=view.version,
        file=documents.remembered(upload),
    )
    renderer = context.bot_data.renderer
    rows = [
        [
            InlineKeyboardButton(
                title,
                callback_data=callbacks.encode("up", task, view.version, index, SENT_FLAG),
            )
        ]
        for index, (kind, title) in enumerate(listed)
        if (kind, title) in offered
    ]
    rows.append([button(renderer, "cancel", "xx")])
    markup = InlineKeyboardMarkup(rows)
    await reply(update, context, "pick_document", markup, view=view, sent=True)


async def attach_sent(
    update: Update, context: CallbackContext, me: Official, press: Press, view: tasks.TaskView
) -> None:
    """A document picked for the file sent by reply: fetched again by its id, attached."""
    query = update.callback_query
    assert query is not None
    ctx = context.bot_data.ctx
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    listed, index = view.uploads or view.documents, press.arg(2, 0) or 0
    if (
        waiting is None
        or waiting.kind != SENT
        or waiting.data.get("task") != view.task_id
        or index >= len(listed)
    ):
        await answer(query, context, "stale_button", alert=True)
        return
    await answer(query, context, "choose")
    kept = waiting.data["file"]
    upload = await documents.recalled(ctx, kept, await fetch(context, kept["file_id"]))
    kind, title = listed[index]
    await _store(update, context, me, view.task_id, kind, title, upload)
