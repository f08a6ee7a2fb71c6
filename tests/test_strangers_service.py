"""`services.strangers`: who is answered, and the count that becomes one audit event."""

from __future__ import annotations

from bot.services.context import Context
from bot.services.strangers import record_turned_away, turn_away
from tests.helpers import events


async def test_strangers_are_counted_and_recorded_as_one_event(ctx: Context) -> None:
    """A press is always answered, a private message now and then, a group's never; each is
    counted, and the count becomes one audit event."""
    assert turn_away(ctx, 7, pressed=True, private=False)
    assert turn_away(ctx, 7, pressed=False, private=True)
    assert not turn_away(ctx, 7, pressed=False, private=True)  # told a moment ago
    assert not turn_away(ctx, 8, pressed=False, private=False)
    assert ctx.strangers_refused == 4
    await record_turned_away(ctx)
    await record_turned_away(ctx)  # nothing since: no event
    recorded = [e.payload for e in await events(ctx) if e.type == "strangers_refused"]
    assert (recorded, ctx.strangers_refused) == ([{"count": 4}], 0)
