"""The demo's transcript: every act of an official, in order, and what the bot showed because of
it — new messages and edits, in whose chat, with their buttons.

The emulator runs in the same process, so its state is read directly: the bot messages that
appeared or changed since the previous act belong to that act (the scenario always waits for
the bot's answer before the next act).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.services.context import Context
from emulator.server import Emulator
from emulator.shapes import entry_json
from emulator.state import BOT
from models import OutboxMessage
from models.outbox import PENDING


@dataclass
class Shown:
    """A bot message as a chat shows it after an act."""

    chat: str  # whose chat, or the group's title
    group: bool
    edited: bool
    text: str
    buttons: list[list[str]]
    document: str | None = None
    gist: str = ""  # for an edit: the first line and the first line that changed


@dataclass
class Entry:
    at: str  # the bot's clock, ISO 8601
    who: str  # the official's name and role, or "" for the narrator
    what: str  # "text" | "tap" | "file" | "clock" | "note"
    detail: str
    answer: str | None = None  # the bot's answer to a tap (the little pop-up)
    shown: list[Shown] = field(default_factory=list)


# A changed line that begins so says most: a step moving on, an outcome, a decision, a reminder.
_NEWS = ("▶️", "🏁", "✅", "↩️", "☑️", "↪️", "⏰", "⏹", "✓")


class Tape:
    def __init__(
        self,
        emulator: Emulator,
        ctx: Context,
        people: dict[int, str],
        names: dict[str, str],
    ) -> None:
        """`people`: chat id -> how to name that chat; `names`: role key -> the official."""
        self.emulator, self.ctx, self.people, self.names = emulator, ctx, people, names
        self.clock = ctx.clock
        self.entries: list[Entry] = []
        self._seen: dict[tuple[int, int], tuple[int, str]] = {}  # (chat, message) -> (edits, text)
        self.collect(keep=False)  # what happened before the tape started is not in it

    async def act(self, who: str, what: str, detail: str) -> None:
        """An official did something (World.on_act); a tap's answer attaches to that tap."""
        await self.settle()
        if what == "answer" and self.entries:
            self.entries[-1].answer = detail
            return
        self.entries.append(
            Entry(self.clock.now().isoformat(), self.names.get(who, who), what, detail)
        )

    async def note(self, what: str, detail: str) -> None:
        await self.settle()
        self.entries.append(Entry(self.clock.now().isoformat(), "", what, detail))

    async def settle(self) -> None:
        """Wait until the outbox has delivered what the last act caused, then collect it."""
        for _ in range(200):
            async with self.ctx.sessions() as session:
                pending = await session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.status == PENDING).limit(1)
                )
            if pending is None:
                break
            await asyncio.sleep(0.05)
        self.collect()

    def collect(self, *, keep: bool = True) -> None:
        """Attach the bot's new and changed messages to the latest entry."""
        world = self.emulator.world
        for chat in world.chats.values():
            for message in chat.messages.values():
                if message.from_id != BOT or message.deleted:
                    continue
                key = (chat.id, message.message_id)
                before = self._seen.get(key)
                if before is not None and before[0] == message.edits:
                    continue
                shown = entry_json(world, message)
                self._seen[key] = (message.edits, shown["text"] or "")
                if keep and self.entries:
                    earlier = before[1] if before else ""
                    self.entries[-1].shown.append(self._shown(chat, shown, earlier))

    def _shown(self, chat: Any, message: dict[str, Any], earlier: str) -> Shown:
        document = message["document"]["file_name"] if message["document"] else None
        lines = [line for line in (message["text"] or "").splitlines() if line.strip()]
        old = set(earlier.splitlines())
        changed = [line for line in lines[1:] if line not in old] or lines[-1:]
        telling = [line for line in changed if line.startswith(_NEWS)] or changed
        return Shown(
            gist=" … ".join(dict.fromkeys(lines[:1] + telling[:1])),
            chat=chat.title if chat.is_group else self.people.get(chat.id, str(chat.id)),
            group=chat.is_group,
            edited=bool(message["edited"]),
            text=message["text"] or "",
            buttons=[[b["text"] for b in row] for row in message["buttons"]],
            document=document,
        )
