"""`/baru` for an official who may register in two SOPs: it asks, in Indonesian, which
procedure, one button per SOP by its title, and goes on with the chosen SOP's own questions."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import handlers
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.paths import data_dir
from bot.core.render import Renderer
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import SopSpec
from bot.core.sop.validate import RESERVED_FIELDS
from bot.services import intake
from bot.services.context import Context, build_context
from bot.services.intake import Asked
from bot.services.officials import add_official, assign_role
from bot.services.queries import official_by_telegram
from models import Official
from tests.test_intake_optional import BARE

LETTERS = Path(__file__).parent / "data" / "sop_surat_uji.yaml"


@pytest.fixture
async def two_sops(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Context]:
    """The seed SOP beside the test letters SOP."""
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(data_dir("sops") / "kerjasama_pihak_ketiga.yaml", sops)
    shutil.copy(LETTERS, sops / "surat.yaml")
    context = build_context(settings.model_copy(update={"sop_dir": sops}), clock=clock)
    yield context
    await context.close()


async def _registrar_in_both(ctx: Context) -> Official:
    me = await add_official(ctx, name="Siti Aminah", telegram_user_id=700)
    await assign_role(ctx, official_id=me, role="pengadministrasi")
    await assign_role(ctx, official_id=me, role="sekretaris")
    found = await official_by_telegram(ctx, 700)
    assert found is not None
    return found


def _shown(ctx: Context, asked: Asked) -> str:
    """The question's text as the handler renders it (handlers/intake._show)."""
    return Renderer(ctx.settings.zone).render(
        asked.question.asks,
        {
            "stage": asked.question.stage,
            "data": asked.answers,
            "skippable": asked.question.skippable,
            **asked.shows,
        },
    )


async def test_baru_asks_which_procedure_then_that_sop_s_questions(two_sops: Context) -> None:
    ctx = two_sops
    me = await _registrar_in_both(ctx)
    asked = await intake.start(ctx, me)
    assert asked.question.stage == "sop"
    text = _shown(ctx, asked)
    assert "prosedur" in text.lower(), text
    titles = [ctx.sops.get(c).header.name for c in ("kerjasama_pihak_ketiga", "surat_uji")]
    assert [o.value for o in asked.options] == ["kerjasama_pihak_ketiga", "surat_uji"]
    assert all(t in o.label for t, o in zip(titles, asked.options, strict=True))
    # The letters SOP chosen: its own first question, with its own label.
    taken = await intake.take_press(ctx, me, asked.question.verb, 1)
    assert taken is not None and taken.answers["sop"] == "surat_uji"
    asked = await intake.ask_next(ctx, me, taken.answers)
    assert asked.question.stage == "title"
    assert "Perihal" in _shown(ctx, asked)


async def test_the_sop_s_own_command_asks_no_choice(two_sops: Context) -> None:
    ctx = two_sops
    me = await _registrar_in_both(ctx)
    asked = await intake.start(ctx, me, "kerjasama_pihak_ketiga")
    assert asked.question.stage == "kind"
    assert "Jenis usulan" in _shown(ctx, asked)


def _with_command(code: str, command: str) -> SopSpec:
    """A spec as code may build it, past the loader (which refuses a built-in command)."""
    spec = load_sop_text(BARE.replace("code: surat_masuk", f"code: {code}"), "s.yaml")
    return dataclasses.replace(spec, case=dataclasses.replace(spec.case, command=command))


@pytest.mark.parametrize("command", ["baru", "start", "tugas", "status", "help", "batal"])
def test_an_sop_cannot_take_a_built_in_command(command: str) -> None:
    """`/baru` always asks which SOP and `/start` opens an invitation: no SOP takes them, even
    one built in code (a file is refused at its line: tests/test_sop_commands.py)."""
    sops = SopRegistry.of([_with_command("surat_uji", command)])
    assert handlers.sop_commands(sops) == []
    assert handlers.menu(sops)["own"] == []


def test_the_seed_s_usulan_may_be_taken_and_a_command_serves_one_sop() -> None:
    first, second = _with_command("a_surat", "usulan"), _with_command("b_surat", "usulan")
    sops = SopRegistry.of([first])
    assert [name for name, _, _ in handlers.sop_commands(sops)] == ["usulan"]
    assert [c["command"] for c in handlers.menu(sops)["own"]] == ["usulan"]
    with pytest.raises(SopFileError, match="juga dipakai SOP"):
        SopRegistry.of([first, second])


def test_the_reserved_names_are_the_ones_documented() -> None:
    """sops/README.md lists the commands and field keys an SOP cannot take: the same as the
    code's, so neither drifts."""
    text = (data_dir("sops") / "README.md").read_text(encoding="utf-8")
    section = text.split("### Reserved names", 1)[1].split("\n### ", 1)[0]
    commands, fields = section.split("**Intake field keys**")
    for name in handlers.reserved_commands():
        assert f"`{name}`" in commands, name
    for key in RESERVED_FIELDS:
        assert f"`{key}`" in fields, key
