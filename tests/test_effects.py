"""The unit of work's effects: one message edited twice in one commit is edited once."""

from __future__ import annotations

from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models.outbox import EDIT
from tests.conftest import Office
from tests.helpers import outbox, register


async def test_a_message_edited_twice_in_one_commit_is_edited_once(
    ctx: Context, office: Office
) -> None:
    await register(ctx, office)
    shown = next(m for m in await outbox(ctx) if m.template == "task_assigned")
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("note_added", payload={"text": "x"})
        await uow.session.flush()
        for words in ("first", "last"):
            uow.send(shown.chat_id, "task_note", {"n": words}, cause=cause, edit_of=shown.id)
        await uow.commit()
    edits = [m for m in await outbox(ctx) if m.kind == EDIT and m.edit_of_id == shown.id]
    assert [m.context for m in edits] == [{"n": "last"}]
