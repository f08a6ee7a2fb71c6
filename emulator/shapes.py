"""The JSON shapes of Telegram's objects (as api.json defines them), and the control API's
simpler view of a chat's messages."""

from __future__ import annotations

import time
from typing import Any

from emulator.rules import buttons_of
from emulator.state import BOT, CallbackQuery, Chat, Message, User, World, chat_instance

Json = dict[str, Any]


def user_json(user: User) -> Json:
    out: Json = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    if user.last_name:
        out["last_name"] = user.last_name
    if user.username:
        out["username"] = user.username
    if user.language_code:
        out["language_code"] = user.language_code
    return out


def bot_json(world: World, *, full: bool = False) -> Json:
    bot = world.bot
    out: Json = {
        "id": bot.id,
        "is_bot": True,
        "first_name": bot.first_name,
        "username": bot.username,
    }
    if full:  # getMe
        out |= {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
    return out


def sender_json(world: World, from_id: int) -> Json:
    return bot_json(world) if from_id == BOT else user_json(world.users[from_id])


def chat_json(world: World, chat: Chat) -> Json:
    if chat.type == "private":
        user = world.users[chat.id]
        out: Json = {"id": chat.id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            out["last_name"] = user.last_name
        if user.username:
            out["username"] = user.username
        return out
    return {"id": chat.id, "type": chat.type, "title": chat.title or ""}


def document_json(world: World, file_id: str) -> Json:
    stored = world.files[file_id]
    out: Json = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        out["file_name"] = stored.file_name
    if stored.mime_type:
        out["mime_type"] = stored.mime_type
    out["file_size"] = len(stored.content)
    return out


def photo_size_json(world: World, file_id: str) -> Json:
    stored = world.files[file_id]
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": stored.width or 0,
        "height": stored.height or 0,
        "file_size": len(stored.content),
    }


def message_json(world: World, message: Message, *, nested: bool = False) -> Json:
    chat = world.chats[message.chat_id]
    out: Json = {
        "message_id": message.message_id,
        "from": sender_json(world, message.from_id),
        "chat": chat_json(world, chat),
        "date": message.date,
    }
    if message.reply_to_message_id is not None and not nested:
        replied = world.message(chat, message.reply_to_message_id)
        if replied is not None:
            out["reply_to_message"] = message_json(world, replied, nested=True)
    if message.edit_date is not None:
        out["edit_date"] = message.edit_date
    if message.text is not None:
        out["text"] = message.text
        if message.entities:
            out["entities"] = message.entities
    if message.file_id is not None:
        out["document"] = document_json(world, message.file_id)
    if message.photo:
        out["photo"] = [photo_size_json(world, f) for f in message.photo]
    if message.caption:
        out["caption"] = message.caption
        if message.caption_entities:
            out["caption_entities"] = message.caption_entities
    if message.reply_markup is not None:
        out["reply_markup"] = message.reply_markup
    if message.protected:
        out["has_protected_content"] = True
    return out


def callback_query_json(world: World, query: CallbackQuery) -> Json:
    chat = world.chats[query.chat_id]
    message = chat.messages[query.message_id]
    return {
        "id": query.id,
        "from": user_json(world.users[query.user_id]),
        "message": message_json(world, message),
        "chat_instance": chat_instance(chat.id),
        "data": query.data,
    }


def _member(world: World, status: str) -> Json:
    bot = bot_json(world)
    if status == "kicked":
        return {"status": "kicked", "user": bot, "until_date": 0}
    if status != "administrator":
        return {"status": status, "user": bot}
    rights = dict.fromkeys(
        (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
        ),
        True,
    )
    flags = dict.fromkeys(
        (
            "can_be_edited",
            "is_anonymous",
            "can_promote_members",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ),
        False,
    )
    return {"status": "administrator", "user": bot, **flags, **rights}


def my_chat_member_json(world: World, chat: Chat, by: int, old: str, new: str, date: int) -> Json:
    return {
        "chat": chat_json(world, chat),
        "from": user_json(world.users[by]),
        "date": date,
        "old_chat_member": _member(world, old),
        "new_chat_member": _member(world, new),
    }


def now() -> int:
    return int(time.time())


def entry_json(world: World, message: Message) -> Json:
    """One message as the control API shows it."""
    document = None
    if message.file_id is not None:
        stored = world.files[message.file_id]
        document = {
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.content),
            "file_id": stored.file_id,
        }
    buttons = [
        [{"text": b["text"], **{k: b[k] for k in ("callback_data", "url") if k in b}} for b in row]
        for row in buttons_of(message.reply_markup)
    ]
    from_bot = message.from_id == BOT
    return {
        "message_id": message.message_id,
        "from": world.bot.id if from_bot else message.from_id,
        "from_bot": from_bot,
        "date": message.date,
        "text": message.text if message.text is not None else message.caption,
        "html": message.source if from_bot else None,
        "entities": message.entities if message.text is not None else message.caption_entities,
        "buttons": buttons,
        "document": document,
        "photo": [photo_size_json(world, f) for f in message.photo] or None,
        "edited": message.edits > 0,
        "edits": message.edits,
        "deleted": message.deleted,
        "pinned": message.pinned,
        "has_protected_content": message.protected,
        "reply_to_message_id": message.reply_to_message_id,
    }
