"""Messages name a case's origin, title and number in the SOP's own words: the origin and title
labels of its intake (a long question shortened for every message), the office's own numbering
in the /status example, the field's label when a text is refused for length."""

from __future__ import annotations

import pytest

from bot.core.render import Renderer
from bot.core.sop.spec import short_label
from bot.runtime.messages import compose
from bot.services import intake, queries, tasks
from bot.services.context import Context
from bot.services.limits import TooLong
from bot.services.queries import official_by_telegram
from tests.conftest import AGENCY, WIB, Office
from tests.helpers import SOP, open_tasks, register, viewer
from tests.test_intake_fields import _fields, _letter, _office, letters  # noqa: F401


def test_a_label_with_an_explanation_in_brackets_is_shown_without_it() -> None:
    assert short_label("Asal usulan (Perangkat Daerah atau pihak ketiga)") == "Asal usulan"
    assert short_label("Nama pemohon") == "Nama pemohon"
    assert short_label("Dari siapa surat ini?") == "Dari siapa surat ini?"  # nothing to cut
    assert short_label(None) is None


async def test_a_task_names_the_origin_by_the_sop_s_short_label(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    text = compose(Renderer(WIB), "task_assigned", await tasks.card(ctx, task.id, office["karo"]))
    assert f"Asal usulan: {AGENCY}" in text.text, text.text
    assert "pihak ketiga)" not in text.text and "Asal: " not in text.text
    card = await queries.proposal_status(ctx, reg.number, await viewer(ctx, office["karo"]))
    shown = Renderer(WIB).render("group_card", card | {"in_group": False})
    assert f"Asal usulan: {AGENCY}" in shown, shown


async def test_a_letter_s_task_says_pengirim(letters: Context) -> None:  # noqa: F811
    ctx = letters
    people = await _office(ctx)
    reg = await _letter(ctx, people["sekretaris"], _fields(people, "kabid_a"))
    [task] = (await open_tasks(ctx, reg.proposal_id)).values()
    text = compose(
        Renderer(WIB), "task_assigned", await tasks.card(ctx, task.id, people["kabid_a"])
    ).text
    assert "Pengirim: Dinas" in text and "Asal:" not in text, text


def test_an_old_queued_message_without_labels_still_says_asal() -> None:
    """Rows in the outbox from before labels were snapshotted render the neutral word."""
    proposal = {"number": "1", "title": "T", "kind": None, "origin": "Dinas", "fields": []}
    card = {"proposal": proposal, "outcome": None, "step": None, "holders": [], "live": False}
    assert "Asal: Dinas" in Renderer(WIB).render("group_card", card | {"documents": []})


async def test_the_confirmation_card_shows_the_short_label(ctx: Context) -> None:
    """The question asks the whole label; the card that sums the answers up, the short one."""
    shown = {
        "stage": "confirm",
        "data": {"title": "Kerja sama wisata", "origin": AGENCY},
        "skippable": False,
        "wording": intake.wording(ctx.sops.get(SOP)),
        "fields": [],
        "kind_title": None,
    }
    text = Renderer(WIB).render("intake", shown)
    assert f"Asal usulan: {AGENCY}" in text and "pihak ketiga)" not in text, text
    asked = Renderer(WIB).render("intake", shown | {"stage": "origin"})
    assert "Asal usulan (Perangkat Daerah atau pihak ketiga):" in asked


async def test_the_status_example_is_a_number_of_this_office(letters: Context) -> None:  # noqa: F811
    """No case seen yet: the number the SOP's numbering would give the first one; then the
    newest case the official may see."""
    ctx = letters
    people = await _office(ctx)
    me = await viewer(ctx, people["sekretaris"])
    year = ctx.clock.now().astimezone(ctx.settings.zone).year
    assert await queries.example_number(ctx, me) == f"0001/SU/{year}"
    reg = await _letter(ctx, people["sekretaris"], _fields(people, "kabid_a"))
    assert await queries.example_number(ctx, me) == reg.number
    for command in ("status", "riwayat"):
        said = Renderer(WIB).render("usage", {"command": command, "example": reg.number})
        assert f"/{command} {reg.number}" in said and "/KS/" not in said, said


def _said(refusal: TooLong) -> str:
    return Renderer(WIB).render("refusal", {"code": refusal.code, "details": refusal.details})


async def test_a_text_too_long_is_named_by_the_sop_s_label(letters: Context) -> None:  # noqa: F811
    """The letter's title is its Perihal, its origin its Pengirim, a declared field its label."""
    ctx = letters
    people = await _office(ctx)
    me = await official_by_telegram(ctx, 600)  # the secretary
    assert me is not None and me.id == people["sekretaris"]
    asked = await intake.start(ctx, me)
    for stage, label, limit, answer in (
        ("title", "Perihal", 300, "Undangan rapat"),
        ("origin", "Pengirim", 200, "Dinas Kominfo"),
    ):
        assert asked.question.stage == stage
        with pytest.raises(TooLong) as refused:
            await intake.take_text(ctx, me, dict(asked.answers), "x" * (limit + 1))
        assert _said(refused.value).startswith(f"{label} terlalu panjang: {limit + 1} karakter")
        asked = await intake.take_text(ctx, me, asked.answers, answer) or asked
    at_the_number = asked.answers | {"file": {"name": "surat.pdf"}, "stage": "f:nomor"}
    with pytest.raises(TooLong) as refused:
        await intake.take_text(ctx, me, at_the_number, "x" * 301)
    assert _said(refused.value).startswith("Nomor surat terlalu panjang: 301 karakter")
    # Registering from elsewhere (the CLI, another front end) is held to the same words.
    with pytest.raises(TooLong) as refused:
        await _letter(ctx, me.id, _fields(people, "kabid_a"), title="x" * 301)
    assert _said(refused.value).startswith("Perihal terlalu panjang")


async def test_the_seed_s_origin_too_long_is_named_asal_usulan(
    ctx: Context, office: Office
) -> None:
    me = await official_by_telegram(ctx, office.chats["pengadministrasi"])
    assert me is not None
    answers = {"sop": SOP, "kind": "KAK", "title": "Kerja sama wisata", "stage": "origin"}
    with pytest.raises(TooLong) as refused:
        await intake.take_text(ctx, me, answers, "x" * 201)
    assert _said(refused.value).startswith("Asal usulan terlalu panjang: 201 karakter")
