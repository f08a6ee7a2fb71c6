"""The seed SOP driven end to end through the services, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.core.engine import ActionNotAllowed, Approve, Decide, NoteRequired, Reject
from bot.services import tasks
from bot.services.context import Context
from bot.services.errors import DocumentMissing
from bot.services.queries import reading
from bot.storage import audit
from models.proposals import CLOSED, OPEN
from tests.conftest import Office
from tests.helpers import (
    current_step,
    do,
    events,
    open_tasks,
    outbox,
    pdf,
    proposal,
    register,
    tkksd_ready,
    to_step,
)

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


async def _chain_ok(ctx: Context) -> int:
    async with reading(ctx) as session:
        result = await audit.verify(session)
    assert result.ok, result.problem
    return result.checked


async def test_a_decision_waits_for_the_documents_its_option_needs(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office, "KAK")
    assert await current_step(ctx, reg.proposal_id) == {"karo_terima_disposisi"}
    await to_step(ctx, office, reg.proposal_id, "tkksd_bahas")
    with pytest.raises(DocumentMissing) as refused:
        await do(ctx, office, reg.proposal_id, "tkksd", Decide("setuju_kak"), attach="notulen")
    assert refused.value.details["missing"] == ["Konsep surat usulan"]
    assert await current_step(ctx, reg.proposal_id) == {"tkksd_bahas"}


@BOTH
async def test_full_kak_path(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office, "KAK")
    pid = reg.proposal_id
    tkksd = await tkksd_ready(ctx, office, pid)
    acted = await tasks.act(ctx, tkksd.id, office["tkksd"], Decide("setuju_kak"), tkksd.version)
    assert acted.next_step == "gubernur_tandatangani"

    await do(ctx, office, pid, "gubernur", Decide("setuju"))
    await do(ctx, office, pid, "karo", attach="surat_usulan")
    acted = await do(ctx, office, pid, "pengadministrasi")
    assert acted.outcome == "selesai"

    closed = await proposal(ctx, pid)
    assert (closed.status, closed.outcome, closed.verdict) == (CLOSED, "selesai", "disetujui")
    assert await open_tasks(ctx, pid) == {}

    sent = await outbox(ctx)
    to_agency = [m for m in sent if m.chat_id == office.chats["perangkat_daerah"]]
    # The agency hears when TKKSD approves its KAK, and when the proposal closes.
    assert [m.template for m in to_agency] == ["proposal_notice", "proposal_closed"]
    assigned = {m.chat_id for m in sent if m.template == "task_assigned"}
    for role in (
        "karo",
        "kabag_ks",
        "kasubbag_kss_ln",
        "analis_ls",
        "analis_pks",
        "tkksd",
        "gubernur",
        "pengadministrasi",
    ):
        assert office.chats[role] in assigned, role
    assert len({m.idempotency_key for m in sent}) == len(sent)
    assert await _chain_ok(ctx) == len(await events(ctx))


async def test_fs_takes_the_fs_branch_only(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office, "FS")
    pid = reg.proposal_id
    task = await tkksd_ready(ctx, office, pid)
    with pytest.raises(ActionNotAllowed):
        await tasks.act(ctx, task.id, office["tkksd"], Decide("setuju_kak"))
    acted = await tasks.act(ctx, task.id, office["tkksd"], Decide("setuju_fs"))
    assert acted.next_step == "gubernur_tandatangani"
    await do(ctx, office, pid, "gubernur", Decide("tolak", note="Tidak sesuai RPJMD"))
    await do(ctx, office, pid, "karo", attach="surat_usulan")
    await do(ctx, office, pid, "pengadministrasi")
    closed = await proposal(ctx, pid)
    assert (closed.outcome, closed.verdict) == ("selesai", "ditolak")


@BOTH
async def test_rejection_at_step_8_returns_the_proposal_to_the_agency(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office, "KAK")
    pid = reg.proposal_id
    await to_step(ctx, office, pid, "tkksd_bahas")
    task = (await open_tasks(ctx, pid))["tkksd"]
    await tasks.attach_document(ctx, task.id, office["tkksd"], "notulen", pdf("n.pdf"))
    with pytest.raises(NoteRequired):
        await tasks.act(ctx, task.id, office["tkksd"], Decide("tidak_setuju"))
    acted = await tasks.act(
        ctx, task.id, office["tkksd"], Decide("tidak_setuju", note="Tidak layak <b>dibiayai</b>")
    )
    assert acted.outcome == "dikembalikan"
    closed = await proposal(ctx, pid)
    assert (closed.status, closed.outcome) == (CLOSED, "dikembalikan")
    closing = [m for m in await outbox(ctx) if m.template == "proposal_closed"]
    assert {m.chat_id for m in closing} >= {
        office.chats["perangkat_daerah"],
        office.chats["pengadministrasi"],
    }


async def test_return_at_step_7_goes_back_to_step_6_and_on(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    pid = reg.proposal_id
    await to_step(ctx, office, pid, "karo_periksa_analisa")
    with pytest.raises(NoteRequired):
        await do(ctx, office, pid, "karo", Reject("  "))
    acted = await do(ctx, office, pid, "karo", Reject("Analisa risiko belum ada"))
    assert acted.next_step == "kabag_koreksi"
    kabag = (await open_tasks(ctx, pid))["kabag_ks"]
    assert kabag.activation == 2
    await do(ctx, office, pid, "kabag_ks")
    assert await current_step(ctx, pid) == {"karo_periksa_analisa"}
    rejected = [e for e in await events(ctx, pid) if e.type == "task_reject"]
    assert rejected[0].payload["note"] == "Analisa risiko belum ada"


async def test_step_4_completes_only_when_both_analysts_have_acted(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    pid = reg.proposal_id
    await to_step(ctx, office, pid, "analis_telaah")
    assert set(await open_tasks(ctx, pid)) == {"analis_ls", "analis_pks"}
    first = await do(ctx, office, pid, "analis_pks", attach="hasil_telaah")
    assert not first.step_completed
    assert await current_step(ctx, pid) == {"analis_telaah"}
    second = await do(ctx, office, pid, "analis_ls", attach="hasil_telaah")
    assert second.step_completed and second.next_step == "kasubbag_koreksi"


async def test_due_times_are_working_time(ctx: Context, office: Office, clock: FrozenClock) -> None:
    """Step 8 (3 hours) entered at 15:00 on a Friday is due Monday 09:00 (Friday closes 16:30)."""
    reg = await register(ctx, office)
    pid = reg.proposal_id
    await to_step(ctx, office, pid, "karo_periksa_analisa")
    clock.set(clock.now().replace(day=27, hour=8, minute=0))  # Friday 27 Nov 2026, 15:00 WIB
    await do(ctx, office, pid, "karo")
    task = (await open_tasks(ctx, pid))["tkksd"]
    assert task.target_due_at is not None
    local = task.target_due_at.astimezone(ctx.settings.zone)
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert local.date().isoformat() == "2026-11-30"


async def test_step_10_has_a_target_and_a_limit(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office, "FS")
    pid = reg.proposal_id
    task = await tkksd_ready(ctx, office, pid)
    await tasks.act(ctx, task.id, office["tkksd"], Decide("setuju_fs"))
    await do(ctx, office, pid, "gubernur", Decide("setuju"))
    karo = (await open_tasks(ctx, pid))["karo"]
    assert karo.target_due_at is not None and karo.limit_due_at is not None
    assert karo.limit_due_at - karo.target_due_at == timedelta(minutes=30)


async def test_step_without_a_standard_uses_the_default(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "kabag_koreksi")
    task = (await open_tasks(ctx, reg.proposal_id))["kabag_ks"]
    started = next(e for e in await events(ctx, reg.proposal_id) if e.task_id == task.id)
    assert started.payload["time_assumed"] is True
    assert started.payload["target_minutes"] == ctx.settings.default_step_minutes


async def test_registration_numbers_count_up_per_year(ctx: Context, office: Office) -> None:
    first = await register(ctx, office)
    second = await register(ctx, office, "FS")
    assert first.number == "0001/KS/2026"
    assert second.number == "0002/KS/2026"
    assert (await proposal(ctx, second.proposal_id)).status == OPEN


async def test_approve_is_not_offered_at_a_decision_step(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "tkksd_bahas")
    with pytest.raises(ActionNotAllowed):
        await do(ctx, office, reg.proposal_id, "tkksd", Approve(), attach="notulen")
