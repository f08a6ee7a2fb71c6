"""A second SOP, from another office, with other roles and one-minute steps, runs from its file
alone: nothing about the seed SOP is in the code."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.engine import Approve, Decide, Reject
from bot.services import tasks
from bot.services.context import Context, build_context
from bot.services.proposals import register_proposal
from tests.helpers import leave_office, open_tasks, outbox, pdf, proposal

DATA = Path(__file__).parent / "data"


@pytest.fixture
async def leave_ctx(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Context]:
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(DATA / "sop_cuti.yaml", sops / "cuti.yaml")
    context = build_context(settings.model_copy(update={"sop_dir": sops}), clock=clock)
    yield context
    await context.close()


async def test_a_leave_request_runs_from_its_file(leave_ctx: Context, clock: FrozenClock) -> None:
    ctx = leave_ctx
    people = await leave_office(ctx)

    reg = await register_proposal(
        ctx,
        by=people["pegawai"],
        sop_code="cuti_pegawai",
        title="Cuti tahunan 3 hari",
        origin="Pegawai Bidang A",
        agency_unit="Bidang A",
        document=pdf("formulir.pdf"),
    )
    assert reg.number == "CUTI-001/2026"
    first = (await open_tasks(ctx, reg.proposal_id))["atasan"]
    assert first.target_due_at == clock.now() + timedelta(minutes=1)  # one working minute

    await tasks.act(ctx, first.id, people["atasan"], Decide("setuju"))
    issue = (await open_tasks(ctx, reg.proposal_id))["kepegawaian"]
    await tasks.act(ctx, issue.id, people["kepegawaian"], Reject("Sisa cuti tinggal 2 hari"))
    again = (await open_tasks(ctx, reg.proposal_id))["atasan"]
    assert again.activation == 2
    await tasks.act(ctx, again.id, people["atasan"], Decide("setuju"))
    issue = (await open_tasks(ctx, reg.proposal_id))["kepegawaian"]
    await tasks.attach_document(ctx, issue.id, people["kepegawaian"], "surat_izin", pdf("izin.pdf"))
    done = await tasks.act(ctx, issue.id, people["kepegawaian"], Approve())
    assert done.outcome == "disetujui"

    closed = await proposal(ctx, reg.proposal_id)
    assert (closed.outcome, closed.verdict, closed.kind) == ("disetujui", "disetujui", None)
    told = [m for m in await outbox(ctx) if m.template == "proposal_closed"]
    assert {m.chat_id for m in told} == {500}  # the employee, as registrar and as origin role


async def test_the_seed_sop_is_not_there_when_not_configured(leave_ctx: Context) -> None:
    with pytest.raises(KeyError):
        leave_ctx.sops.get("kerjasama_pihak_ketiga")
