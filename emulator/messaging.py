"""Bot API methods on messages, sendMessage, editing a message's text, caption or keyboard,
deleteMessage and answerCallbackQuery, and what every method on messages shares: `find_chat`
(the chat a call is about, with Telegram's 403s for a user who never wrote to the bot or
blocked it), `check_flood`, `message_text` (a text or caption by its parse mode),
`reply_target` and `sent_message`. Documents and files are in `emulator.documents`, pinned
messages in `emulator.pinning`.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.core import Core
from emulator.entities import Formatted
from emulator.params import Params
from emulator.registry import method
from emulator.rules import (
    MAX_CALLBACK_ANSWER,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    bad_request,
    format_text,
    parse_reply_markup,
)
from emulator.shapes import message_json, now
from emulator.state import BOT, Chat, Message

Json = dict[str, Any]


def find_chat(core: Core, p: Params, *, writing: bool = True) -> Chat:
    """The chat a call is about; a private chat only exists once its user wrote to the bot."""
    chat_id = p.chat_id()
    world = core.world
    chat = world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        if isinstance(chat_id, int) and chat_id in world.users and writing:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        raise bad_request("chat not found")
    if writing and chat.type == "private" and world.users[chat.id].blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat


def check_flood(core: Core, chat: Chat) -> None:
    """Refuse with 429 and `retry_after` if the bot is sending to this chat too fast."""
    retry_after = core.flood.check(chat.id, chat.is_group)
    if retry_after is not None:
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def message_text(core: Core, p: Params, name: str, *, caption: bool = False) -> Formatted:
    """The text (or caption) a call carries, parsed by its parse_mode or entities."""
    entities_name = "caption_entities" if caption else "entities"
    return format_text(
        p.opt_str(name),
        p.opt_str("parse_mode"),
        p.opt_json(entities_name),
        caption=caption,
        strict_ampersand=core.config.strict_ampersand,
    )


def reply_target(core: Core, p: Params, chat: Chat) -> int | None:
    """The message a new one answers, from reply_parameters or the older reply_to_message_id."""
    parameters = p.opt_json("reply_parameters")
    allow_missing = p.opt_bool("allow_sending_without_reply")
    if parameters is None:
        message_id = p.opt_int("reply_to_message_id")
    elif isinstance(parameters, dict) and isinstance(parameters.get("message_id"), int):
        message_id = parameters["message_id"]
        allow_missing = bool(parameters.get("allow_sending_without_reply"))
    else:
        raise bad_request("can't parse reply parameters JSON object")
    if message_id is None:
        return None
    if core.world.message(chat, message_id) is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return message_id


def sent_message(core: Core, chat: Chat, **fields: Any) -> Json:
    """Store the bot's new message in `chat`, count it, and answer it as Telegram does."""
    message = core.world.add_message(chat, BOT, **fields)
    core.stats.messages_per_chat[chat.id] += 1
    return message_json(core.world, message)


@method("sendMessage")
async def send_message(core: Core, p: Params) -> Json:
    chat = find_chat(core, p)
    text = message_text(core, p, "text")
    markup = parse_reply_markup(p.values.get("reply_markup"))
    reply_to = reply_target(core, p, chat)
    check_flood(core, chat)
    return sent_message(
        core,
        chat,
        text=text.text,
        entities=text.entities,
        source=p.opt_str("text"),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        protected=p.opt_bool("protect_content"),
    )


def _editable(core: Core, p: Params) -> tuple[Chat, Message]:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = find_chat(core, p)
    message_id = p.opt_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = core.world.message(chat, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message.from_id != BOT:
        raise bad_request("message can't be edited")
    return chat, message


def _touch(core: Core, message: Message) -> Json:
    message.edit_date = now()
    message.edits += 1
    core.world.changed.fire()
    return message_json(core.world, message)


@method("editMessageText")
async def edit_message_text(core: Core, p: Params) -> Json:
    chat, message = _editable(core, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text = message_text(core, p, "text")
    markup = parse_reply_markup(p.values.get("reply_markup"))
    if (text.text, text.entities, markup) == (message.text, message.entities, message.reply_markup):
        raise ApiError(400, NOT_MODIFIED)
    check_flood(core, chat)
    message.text, message.entities, message.source = text.text, text.entities, p.opt_str("text")
    message.reply_markup = markup
    return _touch(core, message)


@method("editMessageCaption")
async def edit_message_caption(core: Core, p: Params) -> Json:
    chat, message = _editable(core, p)
    if message.file_id is None:
        raise bad_request("there is no caption in the message to edit")
    caption = message_text(core, p, "caption", caption=True)
    markup = parse_reply_markup(p.values.get("reply_markup"))
    new = (caption.text or None, caption.entities, markup)
    if new == (message.caption, message.caption_entities, message.reply_markup):
        raise ApiError(400, NOT_MODIFIED)
    check_flood(core, chat)
    message.caption, message.caption_entities, message.reply_markup = new
    message.source = p.opt_str("caption")
    return _touch(core, message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(core: Core, p: Params) -> Json:
    chat, message = _editable(core, p)
    markup = parse_reply_markup(p.values.get("reply_markup"))
    if markup == message.reply_markup:
        raise ApiError(400, NOT_MODIFIED)
    check_flood(core, chat)
    message.reply_markup = markup
    return _touch(core, message)


@method("deleteMessage")
async def delete_message(core: Core, p: Params) -> bool:
    chat = find_chat(core, p, writing=False)
    message = core.world.message(chat, p.get_int("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if chat.is_group and message.from_id != BOT and not chat.bot_admin:
        raise bad_request("message can't be deleted")
    message.deleted = True
    core.world.changed.fire()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(core: Core, p: Params) -> bool:
    query = core.world.callbacks.get(p.opt_str("callback_query_id") or "")
    if (
        query is None
        or query.answered
        or query.expired
        or time.monotonic() - query.created > core.config.callback_query_max_age
    ):
        raise ApiError(400, QUERY_TOO_OLD)
    text = p.opt_str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.answer = {"text": text, "show_alert": p.opt_bool("show_alert")}
    if p.has("url"):
        query.answer["url"] = p.opt_str("url")
    core.world.changed.fire()
    return True
