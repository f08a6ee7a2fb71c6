"""The control API for what Telegram's users do: register, block the bot, form groups, write,
send documents, press buttons; and for reading and waiting on what the chats show."""

from __future__ import annotations

import base64
import binascii
import mimetypes

from aiohttp import web

from emulator import photos
from emulator.control.base import (
    ControlError,
    Json,
    chat_of,
    field,
    path_int,
    user_of,
)
from emulator.core import Core
from emulator.entities import bot_commands
from emulator.rules import MAX_CAPTION, MAX_TEXT, buttons_of
from emulator.shapes import (
    callback_query_json,
    chat_json,
    entry_json,
    message_json,
    my_chat_member_json,
    now,
    user_json,
)
from emulator.state import BOT, Chat, Message, User

# -- users and chats ----------------------------------------------------------------------------


async def create_user(core: Core, request: web.Request, body: Json) -> Json:
    world = core.world
    user_id = field(body, "id", int) or world.next_user_id()
    if user_id <= 0 or user_id in world.users:
        raise ControlError(409, f"user id {user_id} is taken or invalid")
    user = User(
        id=user_id,
        first_name=field(body, "first_name", str, required=True),
        last_name=field(body, "last_name", str),
        username=field(body, "username", str),
        language_code=field(body, "language_code", str, default="id"),
        note=field(body, "note", str),
        started=field(body, "started", bool, default=False),  # as if they had written already
    )
    world.add_user(user)
    if user.started:
        world.private_chat(user)
    return user_json(user)


async def list_users(core: Core, request: web.Request, body: Json) -> list[Json]:
    return [
        {**user_json(u), "blocked": u.blocked, "started": u.started, "note": u.note}
        for u in core.world.users.values()
    ]


async def overview(core: Core, request: web.Request, body: Json) -> list[Json]:
    """Every chat in one call, for the playground's list: who or what it is, how many bot
    messages it has, and a `version` that changes whenever anything in it does."""
    world = core.world
    listed = []
    for chat in world.chats.values():
        user = world.users.get(chat.id) if chat.type == "private" else None
        shown = [m for m in chat.messages.values() if not m.deleted]
        listed.append(
            {
                **chat_json(world, chat),
                "note": user.note if user else None,
                "bot_messages": sum(1 for m in shown if m.from_id == BOT),
                "version": sum(1 + m.edits + m.deleted for m in chat.messages.values()),
            }
        )
    return listed


async def block_user(core: Core, request: web.Request, body: Json) -> Json:
    world = core.world
    user = user_of(core, path_int(request, "user_id"))
    blocked = field(body, "blocked", bool, default=True)
    update_id = None
    chat = world.chats.get(user.id)
    if blocked != user.blocked and chat is not None:
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        date = now()
        update_id = world.emit(
            "my_chat_member", lambda: my_chat_member_json(world, chat, user.id, old, new, date)
        ).update_id
    user.blocked = blocked
    world.changed.fire()
    return {"user": user_json(user), "blocked": blocked, "update_id": update_id}


async def create_chat(core: Core, request: web.Request, body: Json) -> Json:
    world = core.world
    title = field(body, "title", str, required=True)
    kind = field(body, "type", str, default="group")
    if kind not in ("group", "supergroup"):
        raise ControlError(400, 'type must be "group" or "supergroup"')
    members = field(body, "members", list, default=[])
    for member in members:
        user_of(core, member)
    if not members:
        raise ControlError(400, "members must name at least one user (who adds the bot)")
    chat = world.add_group(title, kind, members, field(body, "bot_admin", bool, default=False))
    status = "administrator" if chat.bot_admin else "member"
    date = now()
    world.emit(
        "my_chat_member",
        lambda: my_chat_member_json(world, chat, members[0], "left", status, date),
    )
    return chat_json(world, chat)


async def list_chats(core: Core, request: web.Request, body: Json) -> list[Json]:
    return [
        {**chat_json(core.world, c), "members": c.members, "bot_admin": c.bot_admin}
        for c in core.world.chats.values()
    ]


# -- what users do ------------------------------------------------------------------------------


def _content(part: Json, name: str) -> bytes:
    try:
        content = base64.b64decode(field(part, "content_base64", str, default=""), validate=True)
    except (binascii.Error, ValueError):
        raise ControlError(400, f"{name}.content_base64 is not base64") from None
    if not content:
        raise ControlError(400, f"{name}.content_base64 is empty")
    return content


def _document(core: Core, body: Json, user: User) -> str | None:
    document = field(body, "document", dict)
    if document is None:
        return None
    name = field(document, "file_name", str, default="file")
    content = _content(document, "document")
    mime = field(document, "mime_type", str) or mimetypes.guess_type(name)[0]
    return core.world.add_file(name, mime or "application/octet-stream", content, user.id).file_id


def _photo(core: Core, body: Json, user: User) -> list[str]:
    """A photo as Telegram keeps it: encoded anew as JPEG, in sizes (emulator.photos)."""
    photo = field(body, "photo", dict)
    if photo is None:
        return []
    try:
        kept = photos.sizes(_content(photo, "photo"))
    except photos.NotAnImage as refused:
        raise ControlError(400, f"photo: {refused}") from None
    world = core.world
    return [
        world.add_file(None, None, s.content, user.id, size=(s.width, s.height)).file_id
        for s in kept
    ]


def _visible_chat(core: Core, user: User, chat_id: int) -> Chat:
    if chat_id == user.id:
        return core.world.private_chat(user)
    chat = chat_of(core, chat_id)
    if user.id not in chat.members:
        raise ControlError(403, f"user {user.id} is not a member of chat {chat_id}")
    return chat


async def send_message(core: Core, request: web.Request, body: Json) -> Json:
    world = core.world
    user = user_of(core, body.get("user_id"))
    if user.blocked:
        raise ControlError(409, f"user {user.id} has blocked the bot; unblock first")
    text = field(body, "text", str)
    caption = field(body, "caption", str)
    if sum((bool(text), "document" in body, "photo" in body)) != 1:
        raise ControlError(
            400, "give either text, a document or a photo (with an optional caption)"
        )
    if len(text or "") > MAX_TEXT or len(caption or "") > MAX_CAPTION:
        raise ControlError(400, "text or caption too long for Telegram")
    chat = _visible_chat(core, user, field(body, "chat_id", int, default=user.id))
    reply_to = field(body, "reply_to_message_id", int)
    if reply_to is not None and world.message(chat, reply_to) is None:
        raise ControlError(404, f"no message {reply_to} in chat {chat.id} to reply to")
    file_id, photo = _document(core, body, user), _photo(core, body, user)
    if chat.type == "private":
        user.started = True
    if file_id is not None or photo:
        message = world.add_message(
            chat,
            user.id,
            file_id=file_id,
            photo=photo,
            caption=caption or None,
            caption_entities=bot_commands(caption or ""),
            reply_to_message_id=reply_to,
        )
    else:
        message = world.add_message(
            chat,
            user.id,
            text=text,
            entities=bot_commands(text or ""),
            reply_to_message_id=reply_to,
        )
    record = world.emit("message", lambda: message_json(world, message))
    return {"message": message_json(world, message), "update_id": record.update_id}


def _find_button(message: Message, label: str | None, data: str | None) -> Json:
    for row in buttons_of(message.reply_markup):
        for button in row:
            if (label is not None and button["text"] == label) or (
                data is not None and button.get("callback_data") == data
            ):
                return button
    raise ControlError(
        404,
        f"no button {label or data!r} on message {message.message_id}",
        buttons=[[b["text"] for b in row] for row in buttons_of(message.reply_markup)],
    )


async def press(core: Core, request: web.Request, body: Json) -> Json:
    world = core.world
    user = user_of(core, body.get("user_id"))
    chat = _visible_chat(core, user, field(body, "chat_id", int, default=user.id))
    message_id = field(body, "message_id", int, required=True)
    message = world.message(chat, message_id)
    if message is None:
        raise ControlError(404, f"no message {message_id} in chat {chat.id}")
    label, data = field(body, "label", str), field(body, "callback_data", str)
    if label is None and data is None:
        raise ControlError(400, "give label or callback_data")
    button = _find_button(message, label, data)
    if "callback_data" not in button:
        raise ControlError(
            400, f"button {button['text']!r} is not a callback button", button=button
        )
    query = world.add_callback(user.id, message, button["callback_data"])
    record = world.emit("callback_query", lambda: callback_query_json(world, query))
    wait = field(body, "wait", float, default=5.0)
    if wait > 0:
        await world.changed.wait_until(lambda: query.answered, wait)
    return {"update_id": record.update_id, "callback_query_id": query.id, "answer": query.answer}


# -- reading chats ------------------------------------------------------------------------------


def _entries(core: Core, chat_id: int, since: int) -> list[Json]:
    chat = core.world.chats.get(chat_id)
    if chat is None:
        return []
    return [entry_json(core.world, m) for m in chat.messages.values() if m.message_id > since]


async def chat_messages(core: Core, request: web.Request, body: Json) -> list[Json]:
    chat_id = path_int(request, "chat_id")
    chat_of(core, chat_id)
    try:
        since = int(request.query.get("since_message_id", "0"))
    except ValueError:
        raise ControlError(400, "since_message_id must be an integer") from None
    return _entries(core, chat_id, since)


async def wait(core: Core, request: web.Request, body: Json) -> Json:
    chat_id = field(body, "chat_id", int, required=True)
    count = field(body, "count", int)
    contains = field(body, "contains", str)
    edited = field(body, "edited_contains", str)
    since = field(body, "since_message_id", int, default=0)
    timeout = field(body, "timeout", float, default=5.0)
    if count is None and contains is None and edited is None:
        count = 1
    found: list[Message] = []

    def shown(message: Message) -> str:
        return (message.text if message.text is not None else message.caption) or ""

    def satisfied() -> bool:
        nonlocal found
        chat = core.world.chats.get(chat_id)
        bot = []
        # Newest first, stopping at `since`: a long chat costs only its new messages.
        for m in reversed(chat.messages.values()) if chat is not None else ():
            if m.message_id <= since:
                break
            if m.from_id == BOT and not m.deleted:
                bot.append(m)
        bot.reverse()
        found = bot
        if contains is not None:
            found = [m for m in found if contains in shown(m)]
            if not found:
                return False
        if edited is not None:
            found = [m for m in found if m.edits and edited in shown(m)]
            if not found:
                return False
        return count is None or len(bot) >= count

    if await core.world.changed.wait_until(satisfied, timeout):
        return {"messages": [entry_json(core.world, m) for m in found]}
    raise ControlError(408, f"timed out after {timeout}s", messages=_entries(core, chat_id, since))
