"""Whom an official may hand work to: a colleague to forward a task to, a stand-in (Plh)."""

from __future__ import annotations

from bot.services import queries
from bot.services.context import Context
from bot.services.errors import InvalidInput

STAND_INS_LISTED = 30


async def forward_candidates(ctx: Context, official_id: int) -> list[queries.OfficialRow]:
    """Whom `official_id` may forward a task to, in the order of the SOPs' line of command: a
    disposition usually goes down the line. Those directly below first, then below them, and so
    on; then colleagues who share a superior; then other officials with a role; then those with
    none (an IT admin). Within each, in the order the SOP lists the roles, then by name."""
    everyone = await queries.officials(ctx)
    mine = next((set(p.roles) for p in everyone if p.id == official_id), set())
    rank = hierarchy(ctx, mine)
    return sorted(
        (p for p in everyone if p.id != official_id and p.registered),
        key=lambda p: (min((rank[r] for r in p.roles if r in rank), default=_NO_ROLE), p.name),
    )


_NO_ROLE = (9, 0, 0)


def hierarchy(ctx: Context, mine: set[str]) -> dict[str, tuple[int, int, int]]:
    """A sort key for every role of the SOPs, seen from someone holding `mine`: (0, depth,
    order) below them, (1, 0, order) beside them (the same superior), (2, 0, order) others."""
    superior: dict[str, str | None] = {}
    order: dict[str, int] = {}
    for spec in ctx.sops.latest():
        for key, role in spec.roles.items():
            superior.setdefault(key, role.superior)
            order.setdefault(key, len(order))
    rank = {key: (2, 0, order[key]) for key in order}
    above = {superior.get(r) for r in mine} - {None}
    for key in order:
        if key not in mine and superior[key] in above:
            rank[key] = (1, 0, order[key])
    level, depth = set(mine), 0
    while level:
        depth += 1
        level = {k for k, s in superior.items() if s in level and k not in mine} - {
            k for k, r in rank.items() if r[0] == 0
        }
        for key in level:
            rank[key] = (0, depth, order[key])
    return rank


async def stand_in_candidates(ctx: Context, holder_id: int) -> list[queries.OfficialRow]:
    """Who may stand in for `holder_id` (the other registered officials, by name), or
    InvalidInput if the holder holds no role to hand over."""
    people = await queries.officials(ctx)
    if not any(p.id == holder_id and p.roles for p in people):
        raise InvalidInput("the official holds no role")
    return [p for p in people if p.id != holder_id and p.registered][:STAND_INS_LISTED]
