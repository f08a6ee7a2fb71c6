"""A case whose klasifikasi is restricted keeps its title, declared fields and file names out of
every group chat: /riwayat and the history button answer there with a short text sending the
official to a private chat, /cari lists it by its number only. In a private chat, unchanged.
The SOP is tests/data/sop_surat_uji.yaml (level `rahasia` is restricted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.config import Settings
from bot.core.render import Renderer
from bot.services import groups, queries, tasks
from bot.services.context import Context
from bot.services.errors import RestrictedInGroup
from bot.services.proposals import Registered
from demo import player
from models import Document
from tests.bot_world import close_world, make_world
from tests.conftest import WIB
from tests.helpers import open_tasks, pdf, viewer
from tests.test_demo import no_environment  # noqa: F401  (the fixture, autouse)
from tests.test_intake_fields import LETTERS, _fields, _letter, _office, letters  # noqa: F401

GROUP = -900
SECRET_TITLE = "Rencana mutasi pejabat eselon"
SECRET_FILE = "daftar-nama-mutasi.pdf"


async def _secret(ctx: Context, people: dict[str, int]) -> Registered:
    fields = _fields(people, "kabid_a") | {"classification": "rahasia"}
    return await _letter(
        ctx,
        people["sekretaris"],
        fields,
        title=SECRET_TITLE,
        attachments=[("lampiran", pdf(SECRET_FILE))],
    )


def _refusal(error: RestrictedInGroup) -> str:
    return Renderer(WIB).render("refusal", {"code": error.code, "details": error.details})


def _hidden(text: str) -> bool:
    return "mutasi" not in text.lower() and "005/12/2026" not in text


async def test_the_history_of_a_restricted_case_is_not_read_in_a_group(letters: Context) -> None:  # noqa: F811
    ctx = letters
    people = await _office(ctx)
    secret = await _secret(ctx, people)
    await groups.subscribe(ctx, GROUP, "Tim Surat", "surat_uji")
    in_group = await viewer(ctx, people["sekretaris"], GROUP)
    for asked in (secret.number, secret.proposal_id):  # /riwayat NOMOR, and the history button
        with pytest.raises(RestrictedInGroup) as refused:
            await queries.proposal_history(ctx, asked, in_group)
        said = _refusal(refused.value)
        assert secret.number in said and "chat pribadi" in said and _hidden(said), said
    # Its documents are not sent to the group either.
    async with queries.reading(ctx) as session:
        document = await session.scalar(
            select(Document.id).where(Document.proposal_id == secret.proposal_id).limit(1)
        )
    assert document is not None
    with pytest.raises(RestrictedInGroup):
        await queries.document(ctx, document, in_group)
    # In a private chat, the whole history as before.
    page = await queries.proposal_history(
        ctx, secret.number, await viewer(ctx, people["sekretaris"])
    )
    text = Renderer(WIB).render("history", {"history": page})
    assert SECRET_TITLE in text and SECRET_FILE in text


async def test_an_unrestricted_case_s_history_is_read_in_a_group(letters: Context) -> None:  # noqa: F811
    ctx = letters
    people = await _office(ctx)
    plain = await _letter(ctx, people["sekretaris"], _fields(people, "kabid_a"), title="Undangan")
    await groups.subscribe(ctx, GROUP, "Tim Surat", "surat_uji")
    page = await queries.proposal_history(
        ctx, plain.number, await viewer(ctx, people["sekretaris"], GROUP)
    )
    assert page.proposal.title == "Undangan"


async def test_a_group_s_search_lists_a_restricted_case_by_its_number_only(
    letters: Context,  # noqa: F811
) -> None:
    ctx = letters
    people = await _office(ctx)
    secret = await _secret(ctx, people)
    plain = await _letter(
        ctx, people["sekretaris"], _fields(people, "kabid_a"), title="Undangan rapat mutasi"
    )
    await groups.subscribe(ctx, GROUP, "Tim Surat", "surat_uji")
    in_group = await viewer(ctx, people["sekretaris"], GROUP)
    renderer = Renderer(WIB)

    # A word of its title finds it in private, never in the group: that would tell the title.
    hits = await queries.search(ctx, "mutasi", in_group)
    assert [h.proposal.number for h in hits] == [plain.number]
    by_number = await queries.search(ctx, secret.number, in_group)
    assert [(h.proposal.number, h.hidden) for h in by_number] == [(secret.number, True)]
    text = renderer.render("search_results", {"words": secret.number, "hits": by_number})
    assert secret.number in text and _hidden(text), text

    private = await queries.search(ctx, "mutasi", await viewer(ctx, people["sekretaris"]))
    assert {(h.proposal.number, h.hidden) for h in private} == {
        (secret.number, False),
        (plain.number, False),
    }
    text = renderer.render("search_results", {"words": "mutasi", "hits": private})
    assert SECRET_TITLE in text
    # A closed case says how it ended by the SOP's title, not the outcome's key.
    [task] = (await open_tasks(ctx, plain.proposal_id)).values()
    await tasks.act(ctx, task.id, people["kabid_a"], tasks.Approve())
    closed = await queries.search(ctx, plain.number, in_group)
    text = renderer.render("search_results", {"words": plain.number, "hits": closed})
    assert "selesai (Ditindaklanjuti)" in text, text


async def test_riwayat_and_cari_in_a_group_keep_a_restricted_case_s_title_out(
    settings: Settings, tmp_path: Path
) -> None:
    """Through the emulator: the secretary types /riwayat and /cari in the team's group."""
    sops = tmp_path / "sops"
    sops.mkdir()
    (sops / "surat.yaml").write_text(LETTERS.read_text(encoding="utf-8"), encoding="utf-8")
    world = await make_world(settings.model_copy(update={"sop_dir": sops}), tmp_path)
    try:
        await world.start_bot()
        await player.register_office(world, world.ctx.sops.latest())
        admin, secretary = world.uid("admin"), world.uid("sekretaris")
        chat = await world.tg.create_chat("Tim Surat", [admin, secretary])
        group = int(chat["id"])
        await world.tg.send(admin, "/langganan", chat_id=group)
        await world.tg.wait(group, contains="kartu status", seconds=10)
        people = {
            role: (await queries.official_by_telegram(world.ctx, world.uid(role))).id  # type: ignore[union-attr]
            for role in ("sekretaris", "kabid_a")
        }
        secret = await _secret(world.ctx, people)
        await world.tg.send(secretary, f"/riwayat {secret.number}", chat_id=group)
        [told] = await world.tg.wait(group, contains="chat pribadi", seconds=10)
        assert secret.number in told["text"] and _hidden(told["text"]), told["text"]
        await world.tg.send(secretary, f"/cari {secret.number}", chat_id=group)
        [found] = await world.tg.wait(group, contains="🔎", seconds=10)
        assert secret.number in found["text"] and _hidden(found["text"]), found["text"]
        # The same in the secretary's private chat: the title, as before.
        await world.say("sekretaris", f"/riwayat {secret.number}")
        mine = await world.latest("sekretaris", "Riwayat")
        assert SECRET_TITLE in mine["text"]
    finally:
        await close_world(world)
