"""Everything the emulated Telegram knows, in memory: users, chats, messages, files, callback
queries, updates and the bot's commands. Mutations fire `World.changed` so that waiters (long
polls, the webhook pusher, the control API's waits) wake at once instead of polling."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.entities import Entity

BOT = 0  # the `from_id` of messages the bot sent
FIRST_USER_ID = 100001


class Signal:
    """An edge-triggered notification: `fire()` wakes everyone in `wait_until`."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], within: float) -> bool:
        """Wait until predicate() holds (True) or `within` seconds pass (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that lands as the event fires, and a cancelled waiter would wait on.
                async with asyncio.timeout(remaining):
                    await self._event.wait()
            except TimeoutError:
                return predicate()
        return True


@dataclass
class BotIdentity:
    id: int
    first_name: str
    username: str


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "id"
    blocked: bool = False  # the user blocked the bot
    started: bool = False  # the user has written to the bot in private
    note: str | None = None  # the emulator's own label (e.g. the official's role), not Telegram's


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    file_path: str
    uploaded_by: int  # BOT or a user id
    width: int | None = None  # one size of a photo
    height: int | None = None


@dataclass
class Message:
    message_id: int
    chat_id: int
    from_id: int  # BOT or a user id
    date: int
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    source: str | None = None  # the text or caption as the bot sent it, markup included
    file_id: str | None = None
    photo: list[str] = field(default_factory=list)  # the sizes' file ids, smallest first
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False
    pinned: bool = False
    protected: bool = False  # sent with protect_content: Telegram forbids forwarding and saving


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    members: list[int] = field(default_factory=list)
    bot_admin: bool = False
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1

    @property
    def is_group(self) -> bool:
        return self.type != "private"


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    expired: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class UpdateRecord:
    """An update; its JSON is rendered at first delivery and then kept, so that a redelivery
    carries the same content and the bot identity is the one that polls."""

    update_id: int
    kind: str
    render: Callable[[], dict[str, Any]]
    _payload: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        if self._payload is None:
            self._payload = self.preview()
        return self._payload

    def preview(self) -> dict[str, Any]:
        """The update as delivered, or as it would be delivered now."""
        if self._payload is not None:
            return self._payload
        return {"update_id": self.update_id, self.kind: self.render()}


def chat_instance(chat_id: int) -> str:
    return str(int(hashlib.sha256(str(chat_id).encode()).hexdigest()[:15], 16))


class World:
    def __init__(self, bot_username: str, bot_first_name: str) -> None:
        self.bot = BotIdentity(1, bot_first_name, bot_username)
        self.changed = Signal()
        self.clear()

    def clear(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.pending: list[UpdateRecord] = []
        self.history: list[UpdateRecord] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.scopes: dict[str, Any] = {}  # scope key -> the scope as the bot gave it
        self.next_update_id = 1
        self.next_group = 1
        self.next_file = 1
        self.next_callback = 1
        self.changed.fire()

    # -- users and chats ------------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        self.changed.fire()
        return user

    def next_user_id(self) -> int:
        candidate = FIRST_USER_ID
        while candidate in self.users or candidate in self.chats:
            candidate += 1
        return candidate

    def private_chat(self, user: User) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = Chat(user.id, "private")
        return chat

    def add_group(self, title: str, kind: str, members: list[int], bot_admin: bool) -> Chat:
        number = self.next_group
        self.next_group += 1
        chat_id = -(1002000000000 + number) if kind == "supergroup" else -(4000000000 + number)
        chat = self.chats[chat_id] = Chat(chat_id, kind, title, list(members), bot_admin)
        self.changed.fire()
        return chat

    # -- messages and files ---------------------------------------------------------------------
    def add_message(self, chat: Chat, from_id: int, **fields: Any) -> Message:
        message = Message(chat.next_message_id, chat.id, from_id, int(time.time()), **fields)
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.changed.fire()
        return message

    def message(self, chat: Chat, message_id: int) -> Message | None:
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    def add_file(
        self,
        name: str | None,
        mime: str | None,
        content: bytes,
        by: int,
        size: tuple[int, int] | None = None,
    ) -> StoredFile:
        """A document, or with `size` (width, height) one size of a photo (no name, no type)."""
        number = self.next_file
        self.next_file += 1
        digest = hashlib.sha256(content + str(number).encode()).hexdigest()
        suffix = name.rsplit(".", 1)[-1] if name and "." in name else "bin"
        if size:
            suffix = "jpg"
        stored = StoredFile(
            # Telegram's ids begin with the kind of file: AgAC a photo, BQAC a document.
            file_id=f"{'AgAC' if size else 'BQAC'}AgUAAxkBAAE{number:06d}{digest[:24]}",
            file_unique_id=f"{'AQAD' if size else 'AgAD'}{digest[:12]}",
            file_name=name,
            mime_type=mime,
            content=content,
            file_path=f"{'photos' if size else 'documents'}/file_{number}.{suffix}",
            uploaded_by=by,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    # -- callback queries and updates -----------------------------------------------------------
    def add_callback(self, user_id: int, message: Message, data: str) -> CallbackQuery:
        query = CallbackQuery(
            id=str(4611686018427387904 + self.next_callback),
            user_id=user_id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            data=data,
            created=time.monotonic(),
        )
        self.next_callback += 1
        self.callbacks[query.id] = query
        return query

    def emit(self, kind: str, render: Callable[[], dict[str, Any]]) -> UpdateRecord:
        record = UpdateRecord(self.next_update_id, kind, render)
        self.next_update_id += 1
        self.pending.append(record)
        self.history.append(record)
        self.changed.fire()
        return record
