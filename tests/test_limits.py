"""Long text: every text an official types is held to its limit, refused in plain Indonesian and
recorded; every message the bot composes fits Telegram's limits, valid HTML, whatever is stored."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.engine import Decide, Reject
from bot.core.fit import MAX_CALLBACK_ANSWER, MAX_TEXT, fit, fit_plain, units
from bot.core.render import Renderer
from bot.runtime.messages import compose
from bot.services import limits, reminders, tasks
from bot.services.context import Context
from bot.services.invites import create_invite
from bot.services.limits import TooLong
from bot.services.proposals import register_proposal
from emulator.entities import Formatted
from emulator.rules import format_text
from tests.conftest import AGENCY, WIB, Office
from tests.helpers import SOP, events, open_tasks, outbox, pdf, register, to_step

# What an official may paste: Telegram's whole 4,096 characters, with HTML's special ones in it.
LONG = ("Mohon <segera> dicek & dilengkapi, ya. " * 120)[:4096]
MARK = "…(dipotong)"
BUTTON = 64  # a button's text: Telegram sets no number, a phone shows about this much


def telegram_accepts(text: str) -> Formatted:
    """What Telegram would store for `text` in HTML mode; raises if it is invalid or too long
    (the emulator's checker, strict about a bare `&`). Counted in UTF-16 too, as we count."""
    formatted = format_text(text, "HTML", None)
    assert units(formatted.text) <= MAX_TEXT
    return formatted


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(WIB)


@pytest.fixture
def before_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Data stored before the limits existed: the use cases take any length."""
    monkeypatch.setattr(limits, "LIMITS", dict.fromkeys(limits.LIMITS, 100_000))


# -- what an official types ---------------------------------------------------------------


async def test_a_forward_instruction_over_the_limit_is_refused_recorded_and_changes_nothing(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(TooLong) as refused:
        await tasks.forward(ctx, task.id, office["karo"], office["staf"], "x" * 1001, task.version)
    assert refused.value.details == {"field": "instruction", "length": 1001, "limit": 1000}
    after = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert after.forwarded_to_id is None and after.version == task.version
    refusal = (await events(ctx, reg.proposal_id))[-1]
    assert refusal.type == "action_refused" and refusal.payload["code"] == "too_long"
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "x" * 1000, task.version)
    assert (await open_tasks(ctx, reg.proposal_id))["karo"].forwarded_to_id == office["staf"]


@pytest.mark.parametrize(
    ("step", "role", "action", "field"),
    [
        ("karo_periksa_analisa", "karo", Reject("r" * 1001), "reason"),
        ("tkksd_bahas", "tkksd", Decide("tidak_setuju", "n" * 1001), "decision_note"),
    ],
)
async def test_a_reason_or_decision_note_over_the_limit_is_refused(
    ctx: Context, office: Office, step: str, role: str, action: Reject | Decide, field: str
) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, step)
    task = (await open_tasks(ctx, reg.proposal_id))[role]
    with pytest.raises(TooLong) as refused:
        await tasks.act(ctx, task.id, office[role], action, task.version)
    assert refused.value.details["field"] == field
    assert (await open_tasks(ctx, reg.proposal_id))[role].completed_at is None


async def test_an_answer_kept_for_later_is_checked_and_its_refusal_recorded(
    ctx: Context, office: Office
) -> None:
    clerk = office["pengadministrasi"]
    assert await limits.checked(ctx, clerk, "title", "  Kerja sama  ") == "Kerja sama"
    with pytest.raises(TooLong):
        await limits.checked(ctx, clerk, "title", "j" * 301)
    refused = (await events(ctx))[-1]
    assert refused.type == "input_refused" and refused.actor_id == clerk
    assert refused.payload == {"code": "too_long", "field": "title", "length": 301, "limit": 300}


async def test_a_note_over_the_limit_is_refused(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(TooLong):
        await tasks.add_note(ctx, task.id, office["karo"], "n" * 1001)
    assert not [e for e in await events(ctx, reg.proposal_id) if e.type == "note_added"]
    await tasks.add_note(ctx, task.id, office["karo"], "  " + "n" * 1000 + "  ")  # trimmed


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("title", {"title": "j" * 301}),
        ("origin", {"origin": "a" * 201}),
        ("disposition_note", {"disposition_note": "c" * 1001}),
    ],
)
async def test_an_intake_answer_over_the_limit_is_refused(
    ctx: Context, office: Office, field: str, values: dict[str, str]
) -> None:
    answers = {"title": "Kerja sama wisata", "origin": AGENCY, "disposition_note": None} | values
    with pytest.raises(TooLong) as refused:
        await register_proposal(
            ctx,
            by=office["pengadministrasi"],
            sop_code=SOP,
            kind="KAK",
            agency_unit=AGENCY,
            document=pdf("usulan.pdf"),
            **answers,  # type: ignore[arg-type]
        )
    assert refused.value.details["field"] == field
    assert not [e for e in await events(ctx) if e.type == "proposal_registered"]


async def test_an_invitation_s_unit_or_name_over_the_limit_is_refused(
    ctx: Context, office: Office
) -> None:
    with pytest.raises(TooLong):
        await create_invite(ctx, role="perangkat_daerah", unit="D" * 101, by=office["admin"])
    with pytest.raises(TooLong):
        await create_invite(ctx, role="karo", name="N" * 101, by=office["admin"])


def test_the_refusal_says_how_long_and_how_long_it_may_be(renderer: Renderer) -> None:
    refusal = TooLong(field="reason", length=1250, limit=1000)
    text = renderer.render("refusal", {"code": refusal.code, "details": refusal.details})
    assert text == (
        "Alasan terlalu panjang: 1.250 karakter, paling banyak 1.000. Persingkat lalu kirim lagi."
    )


# -- what the bot composes ----------------------------------------------------------------


async def test_every_message_fits_though_what_was_stored_is_4096_characters(
    ctx: Context, office: Office, clock: FrozenClock, renderer: Renderer, before_the_limits: None
) -> None:
    """A case from before the limits: a 4,096-character title, note, instruction, reason,
    superior's note; its task messages, closings, reminders and escalation all render."""
    reg = await register_proposal(
        ctx,
        by=office["pengadministrasi"],
        sop_code=SOP,
        title=LONG,
        origin=AGENCY,
        kind="KAK",
        agency_unit=AGENCY,
        disposition_note=LONG,
        document=pdf("Usulan " + "kerja sama yang sangat panjang namanya " * 6 + ".pdf"),
    )
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], LONG, task.version)
    clock.advance(timedelta(hours=3))  # late: reminded, then escalated to the superior
    for _ in range(4):
        await reminders.sweep(ctx)
        clock.advance(timedelta(hours=1))
    await tasks.add_note(ctx, task.id, office["asisten1"], LONG)  # a word from above
    other = (await register(ctx, office)).proposal_id
    await to_step(ctx, office, other, "karo_periksa_analisa")
    step_7 = (await open_tasks(ctx, other))["karo"]
    await tasks.act(ctx, step_7.id, office["karo"], Reject(LONG), step_7.version)
    rows = await outbox(ctx)
    expected = {"task_forwarded", "task_nudge", "task_escalated", "task_note", "task_closed"}
    assert expected <= {r.template for r in rows}
    cut = 0
    for row in rows:
        out = compose(renderer, row.template, row.context)
        telegram_accepts(out.text)
        cut += out.text.endswith(MARK)
        labels = [
            b.text for line in (out.markup.inline_keyboard if out.markup else ()) for b in line
        ]
        assert all(units(label) <= BUTTON for label in labels), labels
    assert cut >= 5  # the long ones were cut (and the rest left alone)


def test_a_short_message_is_left_as_it_is() -> None:
    text = "<b>0001/KS/2026</b> · A &amp; B\n<i>catatan</i>"
    assert fit(text, MARK) is text


def test_the_cut_closes_open_tags_and_ends_at_a_word() -> None:
    words = " ".join(f"kata{n}" for n in range(2000))
    text = f"<b>Judul</b>\n<blockquote><i>{words}</i></blockquote>\nBatas: besok"
    fitted = fit(text, MARK)
    shown = telegram_accepts(fitted).text
    assert fitted.endswith(f"</i></blockquote>\n{MARK}")
    last = shown.removesuffix(f"\n{MARK}").rsplit(" ", 1)[-1]
    assert last in words.split(" ")  # a whole word, not a piece of one
    assert len(shown) > MAX_TEXT - 100  # cut near the limit, not far before it


def test_the_cut_never_splits_an_entity() -> None:
    fitted = fit("&lt;&amp;&gt;" * 3000, MARK)  # no space and no line to cut at
    shown = telegram_accepts(fitted).text  # strict: a piece of "&amp;" would fail here
    assert set(shown.removesuffix(f"\n{MARK}")) == {"<", "&", ">"}


def test_the_cut_prefers_a_line_break() -> None:
    lines = [f"{n:04d} " + "x" * 40 for n in range(200)]
    shown = telegram_accepts(fit("\n".join(lines), MARK)).text
    kept = shown.removesuffix(f"\n{MARK}").split("\n")
    assert kept == lines[: len(kept)]  # whole lines only
    assert len(kept) > 80


def test_emoji_count_twice() -> None:
    """Emoji are two UTF-16 units each: 3,000 of them are cut, though only 3,000 characters."""
    fitted = fit("📎 " * 3000, MARK)
    assert units(fitted) <= MAX_TEXT
    telegram_accepts(fitted)


def test_a_button_s_answer_fits_in_200() -> None:
    answer = fit_plain("Dokumen belum lengkap: " + "Notulen rapat, " * 40, MARK, 200)
    assert units(answer) <= MAX_CALLBACK_ANSWER and answer.endswith(f",{MARK}")


def test_the_renderer_fits_what_it_renders(renderer: Renderer) -> None:
    missing = ["Notulen rapat TKKSD"] * 30
    refusal = {"code": "document_missing", "details": {"missing": missing}}
    assert units(renderer.render_answer("refusal", refusal)) <= MAX_CALLBACK_ANSWER
    entry = {
        "occurred_at": "2026-11-23T08:00:00+07:00",
        "type": "task_forwarded",
        "step_key": "karo_terima_disposisi",
        "actor": "Pejabat karo",
        "on_behalf_of": None,
        "payload": {"instruction": LONG},
    }
    page = {"proposal": {"number": "1", "title": "Judul"}, "page": 0, "pages": 2, "total": 30}
    # A page of fifteen long entries fits whole: each quotes at most 200 characters.
    whole = renderer.render("history", {"history": page | {"entries": [entry] * 15}})
    assert "meneruskan: Mohon &lt;segera&gt; dicek &amp; dilengkapi" in whole
    assert whole.count("— Pejabat karo") == 15 and not whole.endswith(MARK)
    telegram_accepts(whole)
    # What is stored longer than any limit (a title from before the limits) is cut, not refused.
    stored = page | {"proposal": {"number": "1", "title": LONG}}
    fitted = renderer.render("history", {"history": stored | {"entries": [entry] * 15}})
    assert fitted.endswith(MARK)
    telegram_accepts(fitted)


def test_the_readme_lists_every_limit() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Long text") :].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[3].strip()
        for line in table.splitlines()
        if line.startswith("| `")
    }
    assert rows == {field: f"{limit:,}" for field, limit in limits.LIMITS.items()}
