"""A record issued is an audit event, chained like any other; records are made off the bot's
event loop, on their own connections; and one asked for in Telegram is recorded and queued for
the sender in one transaction, then sent from the archive."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from telegram.error import NetworkError

from bot.core.render import Renderer
from bot.records.cases import cases
from bot.records.issued import Outgoing, issued, issued_to, off_loop
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models import OutboxMessage
from models.outbox import DOCUMENT, PENDING, SENT
from tests.conftest import WIB, Office
from tests.helpers import events, outbox, register


async def test_a_record_issued_is_a_chained_event(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    event = await issued(ctx, "lembar", by=office["karo"], proposal_id=reg.proposal_id, at=7)
    [found] = [e for e in await events(ctx, reg.proposal_id) if e.type == "record_issued"]
    assert found.id == event.id and len(event.hash) == 64
    assert found.payload == {"kind": "lembar", "at": 7} and found.actor_id == office["karo"]


async def test_a_record_is_made_in_another_thread_with_the_same_cases(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    here = threading.get_ident()

    async def make(worker: Context) -> tuple[int, list[str]]:
        return threading.get_ident(), [c.number async for c in cases(worker)]

    thread, numbers = await off_loop(ctx, make)
    assert thread != here and numbers == [reg.number]


# -- a record asked for in Telegram: on record if and only if on its way ----------------------


class _Bot:
    """Records each document sent; refuses the first `failing` sends as a Telegram 502 would."""

    def __init__(self, failing: int = 0) -> None:
        self.failing = failing
        self.documents: list[dict[str, Any]] = []

    async def send_document(self, chat_id: int, handle: Any, **sent: Any) -> Any:
        if self.failing:
            self.failing -= 1
            raise NetworkError("Bad Gateway")
        self.documents.append({"chat": chat_id, "content": handle.read(), **sent})
        return type("Sent", (), {"message_id": len(self.documents)})()


def _register_to(chat: int) -> Outgoing:
    """A register's caption as /rekap queues it: a period and a day as the outbox keeps them."""
    period = {"first": "2026-07-01", "last": "2026-12-31", "label": "2026-S2"}
    caption = {
        "state": "sent",
        "cases": 3,
        "restricted": 1,
        "sop": None,
        "noun": "usulan",
        "day": "2026-11-23",
        "period": period,
    }
    return Outgoing(chat, "rekap-2026-S2.xlsx", "rekap", caption, protect=True)


BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@BOTH
async def test_a_record_sent_is_recorded_and_queued_together_then_sent_from_the_archive(
    ctx: Context, office: Office
) -> None:
    chat = office.chats["karo"]
    stored = ctx.archive.store(b"PK the register")
    event = await issued_to(
        ctx, "rekap", stored, _register_to(chat), by=office["karo"], cases=3, sha256=stored.sha256
    )
    [row] = [m for m in await outbox(ctx) if m.kind == DOCUMENT]
    assert (row.chat_id, row.template, row.status) == (chat, "rekap", PENDING)
    assert row.idempotency_key.startswith(f"rekap:{office['karo']}:")
    assert row.context["file"] == {
        "archive_path": stored.path,
        "name": "rekap-2026-S2.xlsx",
        "sha256": stored.sha256,
    }
    [found] = [e for e in await events(ctx) if e.type == "record_issued"]
    assert found.id == event.id and found.payload["kind"] == "rekap"

    bot = _Bot(failing=1)  # Telegram down once: the sender tries again, nothing is made again
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    assert bot.documents == [] and [m.status for m in await outbox(ctx)] == [PENDING]
    async with UnitOfWork(ctx) as uow:  # its backoff over
        await uow.session.execute(update(OutboxMessage).values(next_attempt_at=uow.now))
        await uow.commit()
    await sender.drain()
    [sent] = bot.documents
    assert (sent["chat"], sent["content"], sent["filename"]) == (
        chat,
        b"PK the register",
        row.context["file"]["name"],
    )
    assert sent["caption"].startswith(
        "📊 Rekap 3 usulan, periode 1 Jul 2026 s.d. 31 Des 2026, per Senin, 23 Nov 2026."
    )
    assert "🔒 Memuat 1 usulan terbatas" in sent["caption"] and sent["protect_content"] is True
    assert [(m.status, m.attempts) for m in await outbox(ctx)] == [(SENT, 2)]
    assert len([e for e in await events(ctx) if e.type == "record_issued"]) == 1


@BOTH
async def test_a_record_that_cannot_be_queued_is_not_on_record(
    ctx: Context, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event and the outbox row commit in one transaction: the second row cannot be written
    (its key taken), so neither is its event."""
    monkeypatch.setattr(secrets, "token_hex", lambda _: "same")
    stored = ctx.archive.store(b"%PDF- the report")
    to = Outgoing(office.chats["karo"], "laporan.pdf", "laporan", {"stage": "sent", "cases": 1})
    await issued_to(ctx, "laporan", stored, to, by=office["karo"])
    with pytest.raises(IntegrityError):
        await issued_to(ctx, "laporan", stored, to, by=office["karo"])
    assert len([e for e in await events(ctx) if e.type == "record_issued"]) == 1
    assert len(await outbox(ctx)) == 1
