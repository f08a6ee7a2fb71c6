"""`/delegasi` as one use case (`officials.delegate_for_days`): every role the holder holds is
delegated in one transaction, or none is."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.services.context import Context
from bot.services.errors import InvalidInput
from bot.services.officials import assign_role, delegate, delegate_for_days
from bot.services.queries import officials, reading
from models import RoleAssignment
from tests.conftest import WIB, Office


async def _two_roles(ctx: Context, office: Office) -> tuple[str, ...]:
    """The karo also chairs the TKKSD's secretariat: two roles, in the order delegated."""
    await assign_role(ctx, official_id=office["karo"], role="tkksd")
    roles = next(p.roles for p in await officials(ctx) if p.id == office["karo"])
    assert sorted(roles) == ["karo", "tkksd"]
    return roles


async def _stand_ins(ctx: Context, holder: int) -> list[tuple[int, str]]:
    async with reading(ctx) as session:
        rows = await session.execute(
            select(RoleAssignment.official_id, RoleAssignment.role)
            .where(RoleAssignment.acting_for_id == holder)
            .order_by(RoleAssignment.id)
        )
        return [(official, role) for official, role in rows]


async def test_every_role_is_delegated_until_the_last_day(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    roles = await _two_roles(ctx, office)
    done = await delegate_for_days(
        ctx, holder_id=office["karo"], acting_id=office["staf"], days=3, by=office["karo"]
    )
    assert (done.holder, done.acting, done.roles) == ("Pejabat karo", "Pegawai staf", roles)
    local = clock.now().astimezone(WIB).date() + timedelta(days=2)
    assert done.end == datetime(local.year, local.month, local.day, 23, 59, tzinfo=WIB)
    assert await _stand_ins(ctx, office["karo"]) == [(office["staf"], r) for r in roles]


async def test_a_refusal_on_the_second_role_leaves_the_first_undelegated(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    first, second = await _two_roles(ctx, office)
    now = clock.now()
    await delegate(  # someone already stands in for the second role then
        ctx,
        holder_id=office["karo"],
        acting_id=office["orang_lain"],
        role=second,
        start=now,
        end=now + timedelta(days=7),
        by=office["karo"],
    )
    with pytest.raises(InvalidInput, match="another delegation"):
        await delegate_for_days(
            ctx, holder_id=office["karo"], acting_id=office["staf"], days=3, by=office["karo"]
        )
    stand_ins = await _stand_ins(ctx, office["karo"])
    assert stand_ins == [(office["orang_lain"], second)]
    assert first not in {role for _, role in stand_ins}


async def test_an_official_not_in_office_is_refused(ctx: Context, office: Office) -> None:
    with pytest.raises(InvalidInput, match="no such official"):
        await delegate_for_days(
            ctx, holder_id=office["karo"], acting_id=424242, days=1, by=office["karo"]
        )
