"""A sender slower than its lease (a long stall) must not put back rows that another instance
has claimed since: they would be claimed a third time and sent twice."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import FrozenClock
from bot.core.render import Renderer
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from tests.conftest import WIB
from tests.helpers import outbox


async def test_a_stale_sender_leaves_another_instances_lease_alone(
    ctx: Context, clock: FrozenClock
) -> None:
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        for n in range(2):
            uow.send(2001, "cancelled", {}, cause=cause, key=f"m{n}")
        await uow.commit()
    slow = Sender(ctx, None, Renderer(WIB))  # type: ignore[arg-type]
    other = Sender(ctx, None, Renderer(WIB))  # type: ignore[arg-type]
    stale = await slow.claim()
    clock.advance(timedelta(seconds=61))  # the slow one's lease runs out
    fresh = await other.claim()
    assert [r.id for r in fresh] == [r.id for r in stale]
    await slow._put_back(stale)  # the slow one wakes up and gives back what it had
    await slow._put_back(stale[:1], delay=timedelta(seconds=5))
    rows = {m.id: m for m in await outbox(ctx)}
    assert {rows[r.id].lease_until for r in fresh} == {fresh[0].lease_until}  # still the other's
    assert await other.claim() == []  # nobody can claim them a third time
    await other._put_back(fresh)
    assert [r.id for r in await slow.claim()] == [r.id for r in fresh]
