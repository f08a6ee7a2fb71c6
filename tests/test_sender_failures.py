"""A message Telegram will never take (our own mistake, say too long) fails once, for good:
the failure is recorded as an event, and the event tells the admins, unless the message that
failed was such an alert itself (no alert about an alert, no loop)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest

from bot.core.render import Renderer
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models.outbox import FAILED, PENDING, SENT
from tests.conftest import WIB, Office
from tests.helpers import events, outbox


@dataclass
class Sent:
    message_id: int


@dataclass
class RefusingBot:
    """Refuses every message to `refused` as Telegram refuses one too long."""

    refused: set[int]
    sent: list[tuple[int, str]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        if chat_id in self.refused:
            raise BadRequest("Message is too long")
        self.sent.append((chat_id, text))
        return Sent(len(self.sent))


async def _queue(ctx: Context, chat_id: int, template: str, context: dict[str, Any]) -> None:
    async with UnitOfWork(ctx) as uow:
        uow.send(chat_id, template, context, cause=uow.record("test"), key=f"q:{chat_id}")
        await uow.commit()


async def test_a_message_that_fails_for_good_tells_the_admins(ctx: Context, office: Office) -> None:
    await _queue(ctx, 2001, "cancelled", {})
    bot = RefusingBot(refused={2001})
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    rows = await outbox(ctx)
    assert [(m.chat_id, m.status, m.last_error) for m in rows if m.chat_id == 2001] == [
        (2001, FAILED, "Message is too long")
    ]
    failed = [e for e in await events(ctx) if e.type == "message_failed"]
    assert [e.payload["template"] for e in failed] == ["cancelled"]
    alerts = [m for m in rows if m.template == "send_failed"]
    assert [(m.chat_id, m.status, m.context["chat_id"]) for m in alerts] == [
        (office.chats["admin"], PENDING, 2001)
    ]
    assert alerts[0].idempotency_key.startswith(f"ev{failed[0].id}:")  # caused by the event
    await sender.drain()
    assert [m.status for m in await outbox(ctx) if m.template == "send_failed"] == [SENT]
    assert len(bot.sent) == 1 and "2001" in bot.sent[0][1]


async def test_an_alert_that_fails_is_not_alerted_again(ctx: Context, office: Office) -> None:
    admin = office.chats["admin"]
    await _queue(ctx, admin, "send_failed", {"chat_id": 1, "template": "x", "error": "y"})
    sender = Sender(ctx, RefusingBot(refused={admin}), Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    rows = await outbox(ctx)
    assert [(m.template, m.status) for m in rows] == [("send_failed", FAILED)]
    assert [e.type for e in await events(ctx)].count("message_failed") == 1
