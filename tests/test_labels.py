"""Button labels and callback answers are plain text: shown as typed, escaped nowhere.

Only message texts are Telegram HTML; a label through the HTML renderer showed "A&amp;B"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.core.paths import data_dir
from bot.core.render import Renderer
from bot.runtime.messages import compose
from bot.services import tasks
from bot.services.context import Context
from bot.services.proposals import register_proposal
from tests.bot_world import World, intake, office_world
from tests.conftest import AGENCY, Office
from tests.helpers import SOP, open_tasks, pdf

ODD = 'A&B <"FS">'


def _buttons(markup: object) -> list[str]:
    rows = getattr(markup, "inline_keyboard", ())
    return [b.text for row in rows for b in row]


async def test_a_document_button_shows_its_name_as_typed(ctx: Context, office: Office) -> None:
    reg = await register_proposal(
        ctx,
        by=office["pengadministrasi"],
        sop_code=SOP,
        title=f"Kerja sama {ODD}",
        origin=AGENCY,
        kind="KAK",
        agency_unit=AGENCY,
        document=pdf(f"{ODD}.pdf"),
    )
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    card = await tasks.card(ctx, task.id, office["karo"])
    out = compose(Renderer(ctx.settings.zone), "task_assigned", card)
    assert f"📄 {ODD}.pdf" in _buttons(out.markup)
    assert "✅ Setujui" in _buttons(out.markup)
    # The message itself is HTML: there the same text is escaped, once.
    assert "Kerja sama A&amp;B &lt;&#34;FS&#34;&gt;" in out.text


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    """The seed SOP with a document title an answer will quote."""
    sops = tmp_path / "sops"
    sops.mkdir()
    seed = data_dir("sops") / f"{SOP}.yaml"
    text = seed.read_text(encoding="utf-8")
    plain = "hasil_telaah: {title: Hasil telaah Dokumen KAK atau FS}"
    assert plain in text
    (sops / seed.name).write_text(
        text.replace(plain, f"hasil_telaah: {{title: 'Telaah {ODD}'}}"), encoding="utf-8"
    )
    async with office_world(settings.model_copy(update={"sop_dir": sops}), tmp_path) as w:
        yield w


async def test_a_callback_answer_quotes_a_title_as_written(world: World) -> None:
    number = await intake(world)
    for who in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await world.approve(who, number)
    answer = await world.approve("analis_ls", number)  # without the required review
    assert answer["show_alert"]
    assert answer["text"] == f"Dokumen belum lengkap: Telaah {ODD}."
