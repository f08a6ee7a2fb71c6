"""Edits: the claim learns which originals are sent and which edit is newest, so an edit needs
no read of its own; an older edit is skipped for a newer one; an edit whose original is sent
earlier in the same batch waits for it, and is then made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bot.core.render import Renderer
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models.outbox import SENT, SUPERSEDED
from tests.conftest import WIB
from tests.helpers import outbox


@dataclass
class Sent:
    message_id: int


@dataclass
class RecordingBot:
    sent: list[int] = field(default_factory=list)
    edited: list[tuple[int, str]] = field(default_factory=list)  # (message id, text)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        self.sent.append(chat_id)
        return Sent(100 + len(self.sent))

    async def edit_message_text(self, text: str, *, message_id: int, **_: Any) -> None:
        self.edited.append((message_id, text))


async def _queue(ctx: Context, rows: list[tuple[str, str | None]]) -> None:
    """Queue (key, key of the row it edits), in order."""
    for key, edits in rows:
        ids = {m.idempotency_key.split(":e")[0]: m.id for m in await outbox(ctx)}
        async with UnitOfWork(ctx) as uow:
            cause = uow.record("test")
            edit_of = ids[edits] if edits else None
            uow.send(2001, "cancelled", {}, cause=cause, key=key, edit_of=edit_of)
            await uow.commit()


async def test_an_older_edit_is_skipped_and_the_newest_made_without_extra_reads(
    ctx: Context,
) -> None:
    await _queue(ctx, [("original", None)])
    bot = RecordingBot()
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    await _queue(ctx, [("edit1", "original"), ("edit2", "original"), ("edit3", "original")])
    reads: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        reads.append(statement)

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await sender.drain()
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", seen)
    assert bot.edited == [(101, bot.edited[0][1])]  # one edit, of the original's message
    rows = {m.idempotency_key.split(":e")[0]: m for m in await outbox(ctx)}
    assert rows["edit1"].status == rows["edit2"].status == SUPERSEDED
    assert rows["edit3"].status == SENT
    # Two reads in the claim's transaction about the edits (the originals sent, the newest
    # edits), then only one write per row: no edit reads on its own. (The claim's third read,
    # which chats it left rows of, is the claim's, not the edits'.)
    selects = [s for s in reads if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in selects if "edit_of_id" in s or "telegram_message_id" in s]) == 2
    assert len(selects) == 3


async def test_an_edit_whose_original_is_in_the_same_batch_follows_it(ctx: Context) -> None:
    await _queue(ctx, [("original", None), ("edit", "original")])
    bot = RecordingBot()
    sender = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await sender.drain()
    rows = {m.idempotency_key.split(":e")[0]: m for m in await outbox(ctx)}
    assert rows["original"].status == SENT
    assert rows["edit"].status == SENT and [m for m, _ in bot.edited] == [101]
