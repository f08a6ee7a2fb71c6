"""Whom a task may be forwarded to (`queries.forward_candidates`), in the order the list shows."""

from __future__ import annotations

from bot.services.context import Context
from bot.services.officials import add_official
from bot.services.queries import forward_candidates
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
