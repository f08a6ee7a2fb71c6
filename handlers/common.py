"""What every handler needs: who is speaking, and how to answer in templates.

Handlers reach the services' context as `context.bot_data.ctx` and the renderer as
`context.bot_data.renderer` (`bot.runtime.BotData`)."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Document, InlineKeyboardMarkup, Message, PhotoSize, Update
from telegram.error import BadRequest

from bot.core import callbacks
from bot.core.engine import WorkflowError
from bot.runtime.types import CallbackContext
from bot.services import conversations, documents, strangers
from bot.services.access import Viewer
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected
from bot.services.queries import official_by_telegram
from models import Official


def text(context: CallbackContext, template: str, **values: Any) -> str:
    return context.bot_data.renderer.render(template, values)


async def reply(
    update: Update,
    context: CallbackContext,
    template: str,
    markup: InlineKeyboardMarkup | None = None,
    **values: Any,
) -> Message | None:
    """Answer in the chat the update came from (a new message, not an edit)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat.id,
        text(context, template, **values),
        reply_markup=markup,
    )


async def answer(
    query: CallbackQuery,
    context: CallbackContext,
    template: str,
    *,
    alert: bool = False,
    **values: Any,
) -> None:
    """Answer a button press; a press answered too late is dropped quietly."""
    try:
        # A callback answer is plain text (no parse mode): rendered unescaped, cut to 200.
        shown = context.bot_data.renderer.render_answer(template, values)
        await query.answer(shown, show_alert=alert)
    except BadRequest as exc:
        if "query is too old" not in exc.message and "query id is invalid" not in exc.message:
            raise


async def refuse(update: Update, context: CallbackContext, refusal: WorkflowError) -> None:
    """Tell the official plainly why not: in the button's alert, or as a message."""
    details = getattr(refusal, "details", {})
    if update.callback_query is not None:
        await answer(
            update.callback_query,
            context,
            "refusal",
            alert=True,
            code=refusal.code,
            details=details,
        )
    else:
        await reply(update, context, "refusal", code=refusal.code, details=details)


def row_id(argument: str) -> int | None:
    """A typed id (`/cabut 12`), or None: ASCII digits only (`str.isdigit` also takes "²", which
    `int` refuses), and no larger than a row id can be (a database refuses to compare more)."""
    if not (argument.isascii() and argument.isdigit()):
        return None
    number = int(argument)
    return number if number <= callbacks.MAX_ID else None


def viewer(update: Update, me: Official) -> Viewer:
    """Who will read the answer: the official, and in a group chat the whole group too."""
    chat = update.effective_chat
    in_group = chat is not None and chat.type != "private"
    return Viewer(me, chat.id if in_group and chat is not None else None)


async def official(update: Update, context: CallbackContext) -> Official | None:
    """The registered, active official behind this update, or None (a stranger)."""
    user = update.effective_user
    if user is None:
        return None
    return await official_by_telegram(context.bot_data.ctx, user.id)


async def stranger(update: Update, context: CallbackContext) -> None:
    """A polite refusal that shows nothing, when `services.strangers` says to answer."""
    user, chat, query = update.effective_user, update.effective_chat, update.callback_query
    private = chat is not None and chat.type == "private"
    user_id = user.id if user is not None else None
    if not strangers.turn_away(
        context.bot_data.ctx, user_id, pressed=query is not None, private=private
    ):
        return
    if query is not None:
        await answer(query, context, "stranger", alert=True)
    else:
        await reply(update, context, "stranger")


def sends_file(message: Message | None) -> bool:
    """Whether the message carries a file the bot takes: a document, or a photo."""
    return message is not None and (message.document is not None or bool(message.photo))


async def received(context: CallbackContext, message: Message) -> Upload:
    """The file a message carries, downloaded once the size Telegram declares is within the
    limit (DocumentRejected otherwise): a document as sent, its type read from the content
    later (documents.check); a photo in its largest size, made a PDF (documents.from_photo)."""
    ctx = context.bot_data.ctx
    settings = ctx.settings
    sent: Document | PhotoSize | None = message.document
    if sent is None and message.photo:
        sent = max(message.photo, key=lambda size: size.width * size.height)
    if sent is None:
        raise DocumentRejected("no file", reason="empty")
    if (sent.file_size or 0) > settings.max_document_bytes:
        raise DocumentRejected("too large", reason="size", limit_mb=settings.max_document_mb)
    content = await fetch(context, sent.file_id)
    if not isinstance(sent, Document):
        return await documents.from_photo(ctx, content, sent.file_id, sent.file_unique_id)
    file_name, mime_type = sent.file_name or "", sent.mime_type or ""
    return Upload(file_name, mime_type, content, sent.file_id, sent.file_unique_id)


async def fetch(context: CallbackContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def forget(update: Update, context: CallbackContext) -> None:
    user = update.effective_user
    if user is not None:
        await conversations.forget(context.bot_data.ctx, user.id)
