"""Whom work may be handed to (`services.colleagues`): a forward's list, in the order it shows,
and the stand-ins a Plh is picked from."""

from __future__ import annotations

import pytest

from bot.services.colleagues import forward_candidates, stand_in_candidates
from bot.services.context import Context
from bot.services.errors import InvalidInput
from bot.services.officials import add_official
from tests.conftest import Office


async def test_subordinates_come_first_then_everyone_else_by_name(
    ctx: Context, office: Office
) -> None:
    await add_official(ctx, name="Belum Terdaftar")  # no Telegram account: not offered
    names = [p.name for p in await forward_candidates(ctx, office["karo"])]
    assert names[0] == "Pejabat kabag_ks"  # kabag_ks's superior is the karo
    assert names[1:] == sorted(names[1:])
    assert "Pejabat karo" not in names and "Belum Terdaftar" not in names
    assert {"Pegawai staf", "Admin TI", "Pejabat gubernur"} <= set(names)


async def test_stand_ins_are_the_other_registered_officials(ctx: Context, office: Office) -> None:
    names = [p.name for p in await stand_in_candidates(ctx, office["karo"])]
    assert names == sorted(names) and "Pejabat karo" not in names and "Pegawai staf" in names
    with pytest.raises(InvalidInput, match="holds no role"):
        await stand_in_candidates(ctx, office["staf"])
