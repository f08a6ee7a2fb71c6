"""A record issued is an audit event, chained like any other; and records are made off the
bot's event loop, on their own connections."""

from __future__ import annotations

import threading

from bot.records.cases import cases
from bot.records.issued import issued, off_loop
from bot.services.context import Context
from tests.conftest import Office
from tests.helpers import events, register


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
