"""Whom an official may hand work to: a colleague to forward a task to, a stand-in (Plh)."""

from __future__ import annotations

from bot.services import queries
from bot.services.context import Context
from bot.services.errors import InvalidInput

STAND_INS_LISTED = 30


async def forward_candidates(ctx: Context, official_id: int) -> list[queries.OfficialRow]:
    """Whom `official_id` may forward a task to: the other registered officials, those below
    them first (holding a role whose superior, in any SOP, is one of theirs), then by name.
    A disposition usually goes down the line."""
    everyone = await queries.officials(ctx)
    mine = next((set(p.roles) for p in everyone if p.id == official_id), set())
    below = {
        key for spec in ctx.sops.all() for key, role in spec.roles.items() if role.superior in mine
    }
    return sorted(
        (p for p in everyone if p.id != official_id and p.registered),
        key=lambda p: (not below.intersection(p.roles), p.name),
    )


async def stand_in_candidates(ctx: Context, holder_id: int) -> list[queries.OfficialRow]:
    """Who may stand in for `holder_id` (the other registered officials, by name), or
    InvalidInput if the holder holds no role to hand over."""
    people = await queries.officials(ctx)
    if not any(p.id == holder_id and p.roles for p in people):
        raise InvalidInput("the official holds no role")
    return [p for p in people if p.id != holder_id and p.registered][:STAND_INS_LISTED]
