"""An SOP without the optional intake fields (no kinds, no origin role, no document) takes a
case from /usulan to registration: each question and the confirmation card render, and the case
is registered. Issue 13: the confirmation card used to fail on the kind it never asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.services import intake
from bot.services.context import Context, build_context
from bot.services.intake import Asked
from bot.services.officials import add_official, assign_role
from models import Official
from tests.conftest import WIB
from tests.helpers import open_tasks, reading

BARE = """\
code: surat_masuk
version: "1"
short_code: SM
header:
  institution: Kantor Contoh
  number: "1/SOP/2026"
  name: SOP Surat Masuk
roles:
  sekretaris: {title: Sekretaris}
  kepala: {title: Kepala Kantor}
intake:
  registrars: [sekretaris]
outcomes:
  selesai: {title: Selesai}
steps:
  - key: baca
    number: 1
    activity: Membaca surat
    actors: [kepala]
    time: 10 menit
    on_approve: {end: selesai}
"""


@pytest.fixture
async def bare_ctx(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Context]:
    sops = tmp_path / "sops"
    sops.mkdir()
    (sops / "surat_masuk.yaml").write_text(BARE)
    context = build_context(settings.model_copy(update={"sop_dir": sops}), clock=clock)
    yield context
    await context.close()


def _card(asked: Asked) -> str:
    """The question's message, rendered as the handler renders it."""
    question = asked.question
    return Renderer(WIB).render(
        question.asks, {"stage": question.stage, "data": asked.answers, **asked.shows}
    )


async def test_a_bare_sop_registers_a_case_through_the_wizard(bare_ctx: Context) -> None:
    ctx = bare_ctx
    clerk = await add_official(ctx, name="Sekretaris", telegram_user_id=700)
    await assign_role(ctx, official_id=clerk, role="sekretaris")
    head = await add_official(ctx, name="Kepala", telegram_user_id=701)
    await assign_role(ctx, official_id=head, role="kepala")
    async with reading(ctx) as session:
        me = await session.get(Official, clerk)
    assert me is not None

    asked = await intake.start(ctx, me)
    stages = [asked.question.stage]
    _card(asked)
    for text in ("Undangan rapat koordinasi", "Dinas Kominfo", "Mohon dihadiri"):
        nxt = await intake.take_text(ctx, me, asked.answers, text)
        assert nxt is not None, asked.question.stage
        asked = nxt
        stages.append(asked.question.stage)
        card = _card(asked)
    assert stages == ["title", "origin", "note", "confirm"]  # nothing asked the SOP lacks
    assert "Undangan rapat koordinasi" in card and "Jenis" not in card
    assert "Perangkat Daerah" not in card and "Berkas" not in card

    async def no_file(_: str) -> bytes:
        raise AssertionError("no document was asked")

    done = await intake.register(ctx, me, asked.answers, no_file)
    assert done.number.startswith("0001/SM/")
    assert list(await open_tasks(ctx, done.proposal_id)) == ["kepala"]
