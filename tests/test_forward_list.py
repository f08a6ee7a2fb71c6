"""Whom work may be handed to (`services.colleagues`): a forward's list, in the order it shows,
and the stand-ins a Plh is picked from."""

from __future__ import annotations

import pytest

from bot.services.colleagues import forward_candidates, stand_in_candidates
from bot.services.context import Context
from bot.services.errors import InvalidInput
from bot.services.officials import add_official
from tests.conftest import Office


async def test_the_list_follows_the_line_of_command_down_then_across_then_the_rest(
    ctx: Context, office: Office
) -> None:
    await add_official(ctx, name="Belum Terdaftar")  # no Telegram account: not offered
    names = [p.name for p in await forward_candidates(ctx, office["karo"])]
    # The seed: karo > kabag_ks > kasubbag_kss_ln > the analysts and the information staff,
    # and kabag_ks > pengadministrasi.
    down = [
        "Pejabat kabag_ks",  # depth 1
        "Pejabat kasubbag_kss_ln",  # depth 2, in the SOP's order
        "Pejabat pengadministrasi",
        "Pejabat analis_ls",  # depth 3
        "Pejabat analis_pks",
        "Pejabat pengelola_info",
    ]
    assert names[: len(down)] == down
    rest = names[len(down) :]
    with_role = [n for n in rest if n.startswith("Pejabat ")]
    assert rest[: len(with_role)] == with_role  # officials with a role before those without
    assert with_role[0] == "Pejabat gubernur"  # then the SOP's order: its first role first
    assert rest[len(with_role) :] == ["Admin TI", "Pegawai orang_lain", "Pegawai staf"]
    assert "Pejabat karo" not in names and "Belum Terdaftar" not in names


async def test_colleagues_under_the_same_superior_come_after_those_below(
    ctx: Context, office: Office
) -> None:
    names = [p.name for p in await forward_candidates(ctx, office["analis_ls"])]
    # analis_pks and pengelola_info report to kasubbag_kss_ln too; nobody is below an analyst.
    assert names[:2] == ["Pejabat analis_pks", "Pejabat pengelola_info"]


async def test_stand_ins_are_the_other_registered_officials(ctx: Context, office: Office) -> None:
    names = [p.name for p in await stand_in_candidates(ctx, office["karo"])]
    assert names == sorted(names) and "Pejabat karo" not in names and "Pegawai staf" in names
    with pytest.raises(InvalidInput, match="holds no role"):
        await stand_in_candidates(ctx, office["staf"])
