"""The sender keeps reminders and digests to office hours, even when they were queued before
closing or the bot was down when they came due; a task message still goes at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.clock import FrozenClock
from bot.core.render import Renderer
from bot.runtime.sender import Sender
from bot.services import reminders
from bot.services.context import Context
from tests.conftest import WIB, Office
from tests.helpers import outbox, register


@dataclass
class Sent:
    message_id: int


@dataclass
class RecordingBot:
    """Just enough of telegram.Bot for the sender: what it was asked to send, and when."""

    clock: FrozenClock
    sent: list[tuple[datetime, int, str]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        self.sent.append((self.clock.now(), chat_id, text))
        return Sent(len(self.sent))

    async def edit_message_text(self, text: str, **_: Any) -> None:
        return None


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


async def test_a_reminder_queued_before_closing_waits_for_the_opening(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    clock.set(wib("2026-11-23 15:50"))
    await register(ctx, office)  # due 15:55
    clock.set(wib("2026-11-23 15:56"))
    assert await reminders.sweep(ctx) == 1  # queued in office hours…
    bot = RecordingBot(clock)
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    clock.set(wib("2026-11-23 20:00"))  # …but the sender only gets to it at night
    await sender.drain()
    assert [text.splitlines()[0] for _, _, text in bot.sent] == ["📥 <b>Tugas baru</b>"]
    nudge = next(m for m in await outbox(ctx) if m.template == "task_nudge")
    assert (nudge.status, nudge.next_attempt_at) == ("pending", wib("2026-11-24 07:30"))
    clock.set(wib("2026-11-24 07:30"))
    await sender.drain()
    assert bot.sent[-1][0] == wib("2026-11-24 07:30") and "Pengingat" in bot.sent[-1][2]
