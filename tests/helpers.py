"""Helpers for driving proposals through the seed SOP in tests."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core.engine import Action, Approve
from bot.services import tasks
from bot.services.access import Viewer
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.officials import add_official, assign_role
from bot.services.proposals import Registered, register_proposal
from bot.services.queries import reading
from bot.storage.db import create_engine, read_session
from models import Event, Official, OutboxMessage, Proposal, Task
from tests.conftest import AGENCY, Office

SOP = "kerjasama_pihak_ketiga"


def pdf(name: str = "berkas.pdf", body: bytes = b"isi") -> Upload:
    return Upload(name, "application/pdf", b"%PDF-1.4\n" + body + name.encode())


async def register(
    ctx: Context, office: Office, kind: str = "KAK", title: str = "Kerja sama wisata"
) -> Registered:
    return await register_proposal(
        ctx,
        by=office["pengadministrasi"],
        sop_code=SOP,
        title=title,
        origin=AGENCY if kind == "KAK" else "PT Timah Wisata",
        kind=kind,
        agency_unit=AGENCY,
        disposition_note="Segera dibahas",
        document=pdf("usulan.pdf"),
    )


async def open_tasks(ctx: Context, proposal_id: int) -> dict[str, Task]:
    """The proposal's open tasks by role."""
    async with reading(ctx) as session:
        found = await session.scalars(
            select(Task).where(Task.proposal_id == proposal_id, Task.completed_at.is_(None))
        )
        return {t.role: t for t in found}


async def current_step(ctx: Context, proposal_id: int) -> set[str]:
    return {t.step_key for t in (await open_tasks(ctx, proposal_id)).values()}


async def proposal(ctx: Context, proposal_id: int) -> Proposal:
    async with reading(ctx) as session:
        found = await session.get(Proposal, proposal_id)
        assert found is not None
        return found


async def viewer(ctx: Context, official_id: int, group_chat_id: int | None = None) -> Viewer:
    """Who reads an answer: an official, in their private chat or in a group."""
    async with reading(ctx) as session:
        found = await session.get(Official, official_id)
        assert found is not None
        return Viewer(found, group_chat_id)


async def outbox(ctx: Context) -> list[OutboxMessage]:
    async with reading(ctx) as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def events(ctx: Context, proposal_id: int | None = None) -> list[Event]:
    query = select(Event).order_by(Event.id)
    if proposal_id is not None:
        query = query.where(Event.proposal_id == proposal_id)
    async with reading(ctx) as session:
        return list(await session.scalars(query))


async def do(
    ctx: Context,
    office: Office,
    proposal_id: int,
    role: str,
    action: Action | None = None,
    attach: str | None = None,
    as_: str | None = None,
) -> tasks.Acted:
    """The holder of `role` (or `as_`) attaches `attach` if given, then acts on their task."""
    task = (await open_tasks(ctx, proposal_id))[role]
    who = office[as_ or role]
    if attach:
        await tasks.attach_document(ctx, task.id, who, attach, pdf(f"{attach}-{role}.pdf"))
    return await tasks.act(ctx, task.id, who, action or Approve(), task.version)


async def to_step(ctx: Context, office: Office, proposal_id: int, step: str) -> None:
    """Drive a proposal along the approve path until `step` is open."""
    path = [
        ("karo", None),
        ("kabag_ks", None),
        ("kasubbag_kss_ln", None),
        ("analis_ls", "hasil_telaah"),
        ("analis_pks", "hasil_telaah"),
        ("kasubbag_kss_ln", None),
        ("kabag_ks", None),
        ("karo", None),
    ]
    for role, attach in path:
        if step in await current_step(ctx, proposal_id):
            return
        await do(ctx, office, proposal_id, role, attach=attach)
    assert step in await current_step(ctx, proposal_id), await current_step(ctx, proposal_id)


async def tkksd_ready(ctx: Context, office: Office, proposal_id: int) -> Task:
    """Drive to step 8 and attach the minutes and the draft letter; return TKKSD's task."""
    await to_step(ctx, office, proposal_id, "tkksd_bahas")
    task = (await open_tasks(ctx, proposal_id))["tkksd"]
    for kind in ("notulen", "konsep_surat"):
        await tasks.attach_document(ctx, task.id, office["tkksd"], kind, pdf(f"{kind}.pdf"))
    return task


async def leave_office(ctx: Context) -> dict[str, int]:
    """The three people of the leave SOP (tests/data/sop_cuti.yaml), chats 500-502."""
    people = {}
    for chat, role in enumerate(("pegawai", "atasan", "kepegawaian"), start=500):
        people[role] = await add_official(ctx, name=role.title(), telegram_user_id=chat)
        unit = "Bidang A" if role == "pegawai" else None
        await assign_role(ctx, official_id=people[role], role=role, unit=unit)
    return people


def issued(url: str) -> list[dict[str, object]]:
    """The payloads of the records issued, read from the database at `url` (for CLI tests)."""

    async def read() -> list[dict[str, object]]:
        engine = create_engine(url)
        try:
            async with read_session(engine) as session:
                found = await session.scalars(select(Event).where(Event.type == "record_issued"))
                return [e.payload for e in found]
        finally:
            await engine.dispose()

    return asyncio.run(read())
