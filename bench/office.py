"""An office for the benchmarks: the officials as emulator users (already started), a team
group, and many proposals registered through the real service — so their first task messages
and group cards wait in the outbox for the bot to send when it starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.config import Settings
from bot.services import groups
from bot.services.context import build_context
from bot.services.documents import Upload
from bot.services.officials import add_official, assign_role
from bot.services.proposals import register_proposal
from bot.storage import migrate
from emulator.client import EmulatorClient

SOP = "kerjasama_pihak_ketiga"
AGENCY = "Dinas Pariwisata"
# Steps 1-3 of the seed SOP are plain approvals; the press of the third brings the analysts'.
CHAIN = ("karo", "kabag_ks", "kasubbag_kss_ln", "analis_ls")
OTHERS = ("pengadministrasi", "analis_pks", "perangkat_daerah")


@dataclass
class Office:
    chats: list[int]  # the officials of CHAIN, in step order
    group: int


def local_settings(database_url: str, scratch: Path) -> Settings:
    return Settings(database_url=database_url, archive_dir=scratch / "arsip", _env_file=None)  # type: ignore[call-arg]


async def users(client: EmulatorClient) -> tuple[dict[str, int], int]:
    """Emulator users for every role that takes part, and the team's group."""
    ids = {}
    for role in (*CHAIN, *OTHERS):
        user = await client.create_user(f"Pejabat {role}", note=role, started=True)
        ids[role] = int(user["id"])
    group = await client.create_chat("Tim Kerja Sama", [ids["pengadministrasi"]])
    return ids, int(group["id"])


async def prepare(database_url: str, api_url: str, scratch: Path, proposals: int) -> Office:
    """Migrate, register the office, subscribe the group, and register `proposals` FS
    proposals (as the administration staff would with /usulan)."""
    async with EmulatorClient(api_url) as client:
        ids, group = await users(client)
    ctx = build_context(local_settings(database_url, scratch))
    try:
        await migrate.upgrade(ctx.engine)
        officials = {}
        for role, uid in ids.items():
            officials[role] = await add_official(ctx, name=f"Pejabat {role}", telegram_user_id=uid)
            unit = AGENCY if role == "perangkat_daerah" else None
            await assign_role(ctx, official_id=officials[role], role=role, unit=unit)
        await groups.subscribe(ctx, group, "Tim Kerja Sama", SOP)
        document = Upload("fs.pdf", "application/pdf", b"%PDF-1.4 benchmark")
        for n in range(proposals):
            await register_proposal(
                ctx,
                by=officials["pengadministrasi"],
                sop_code=SOP,
                title=f"Usulan uji {n + 1}",
                origin="PT Uji Beban",
                kind="FS",
                agency_unit=AGENCY,
                document=document,
            )
    finally:
        await ctx.close()
    return Office([ids[role] for role in CHAIN], group)


MANY = "banyak_pejabat"  # bench/sops/banyak_pejabat.yaml: each agency's official acts alone
MANY_SOPS = Path(__file__).parent / "sops"


async def agencies(
    database_url: str, api_url: str, scratch: Path, officials: int, proposals: int
) -> tuple[list[int], int]:
    """`officials` agencies, one official each, with `proposals` cases each registered and
    waiting at step 1 for their own official; a team group subscribed to every case.
    Returns the officials' chats and the group."""
    async with EmulatorClient(api_url) as client:
        chats = [
            int((await client.create_user(f"Pejabat Dinas {n}", started=True))["id"])
            for n in range(officials)
        ]
        group = int((await client.create_chat("Tim Uji Beban", chats[:1]))["id"])
    settings = Settings(
        database_url=database_url,
        archive_dir=scratch / "arsip",
        sop_dir=MANY_SOPS,
        _env_file=None,  # type: ignore[call-arg]
    )
    ctx = build_context(settings)
    try:
        await migrate.upgrade(ctx.engine)
        await groups.subscribe(ctx, group, "Tim Uji Beban", MANY)
        for n, chat in enumerate(chats):
            official = await add_official(ctx, name=f"Pejabat Dinas {n}", telegram_user_id=chat)
            await assign_role(ctx, official_id=official, role="pemohon", unit=f"Dinas {n}")
            for k in range(proposals):
                await register_proposal(
                    ctx,
                    by=official,
                    sop_code=MANY,
                    title=f"Usulan uji {k + 1} Dinas {n}",
                    origin=f"Dinas {n}",
                    agency_unit=f"Dinas {n}",
                )
    finally:
        await ctx.close()
    return chats, group
