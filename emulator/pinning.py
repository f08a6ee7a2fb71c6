"""Bot API methods on pinned messages, pinChatMessage, unpinChatMessage and
unpinAllChatMessages: in a group the bot must be an administrator to pin or unpin (Telegram's
"not enough rights to manage pinned messages in the chat"), in a private chat it always may,
and unpinning without a message_id unpins the latest message that is pinned (by when it was
sent), as Telegram does.
"""

from __future__ import annotations

from emulator.core import Core
from emulator.messaging import find_chat
from emulator.params import Params
from emulator.registry import method
from emulator.rules import bad_request
from emulator.state import Chat


def _pin_rights(chat: Chat) -> None:
    if chat.is_group and not chat.bot_admin:
        raise bad_request("not enough rights to manage pinned messages in the chat")


@method("pinChatMessage")
async def pin_chat_message(core: Core, p: Params) -> bool:
    chat = find_chat(core, p, writing=False)
    message = core.world.message(chat, p.get_int("message_id"))
    if message is None:
        raise bad_request("message to pin not found")
    _pin_rights(chat)
    message.pinned = True
    core.world.changed.fire()
    return True


@method("unpinChatMessage")
async def unpin_chat_message(core: Core, p: Params) -> bool:
    chat = find_chat(core, p, writing=False)
    _pin_rights(chat)
    message_id = p.opt_int("message_id")
    pinned = [m for m in chat.messages.values() if m.pinned and not m.deleted]
    if message_id is not None:
        pinned = [m for m in pinned if m.message_id == message_id]
    if not pinned:
        raise bad_request("message to unpin not found")
    pinned[-1].pinned = False
    core.world.changed.fire()
    return True


@method("unpinAllChatMessages")
async def unpin_all_chat_messages(core: Core, p: Params) -> bool:
    chat = find_chat(core, p, writing=False)
    _pin_rights(chat)
    for message in chat.messages.values():
        message.pinned = False
    core.world.changed.fire()
    return True
