"""A head's disposition as it is given on the sheet (issue 13): to several officials, each with a
standard instruction; those asked to act get a task each, those only informed are sent the case;
recalled while nobody has acted. The SOP is sops/surat_masuk.yaml (a public incoming-letters
SOP), played through the emulator to each outcome, and driven through the services."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.core.engine import ActionNotAllowed
from bot.core.render import Renderer
from bot.core.sop.loader import SopFileError, load_sop, load_sop_text
from bot.runtime.messages import compose
from bot.services import dispositions, queries, reminders, tasks
from bot.services.context import Context
from bot.services.dispositions import TooLate
from bot.services.errors import AlreadyHandled, InvalidInput, NotVisible, NotYourTask
from bot.services.officials import add_official, assign_role, delegate
from bot.services.proposals import register_proposal
from models import Disposition, Task
from models.proposals import OPEN
from tests.helpers import events, open_tasks, outbox, pdf, proposal, viewer
from tests.test_demo import no_environment  # noqa: F401  (the fixture, autouse)
from tests.test_demo_sop import play

SOP = Path(__file__).parents[1] / "sops" / "surat_masuk.yaml"
TEXT = SOP.read_text(encoding="utf-8")


# -- played through the emulator, as officials tap -----------------------------------------


@pytest.mark.parametrize(
    ("choose", "outcome", "steps"),
    [
        ((), "ditindaklanjuti", [3, 4]),
        (("tindak_lanjut=draf_jawaban",), "dijawab", [3, 4, 5]),
        (("kabid_disposisi=arsipkan",), "diarsipkan", [3]),
    ],
)
def test_each_outcome_is_reached(
    capsys: pytest.CaptureFixture[str], choose: tuple[str, ...], outcome: str, steps: list[int]
) -> None:
    result = play(capsys, SOP, *choose)
    assert result["outcome_key"] == outcome
    assert [s["number"] for s in result["steps"]] == steps
    said = [s["text"] for e in result["entries"] for s in e["shown"]]
    assert any(t.startswith("✅ Surat masuk terdaftar: 0001/SM/") for t in said)
    if outcome != "diarsipkan":
        # The head's disposition reaches the section head as a task, the staff member as news.
        assert any("✍️ Disposisi dari" in t and "Tindak lanjuti sesuai" in t for t in said)
        assert any(t.startswith("📨 Untuk diketahui") for t in said)
        assert any(t.startswith("📨 Disposisi terkirim") for t in said)


def test_the_seed_and_the_other_sops_still_load() -> None:
    assert load_sop(SOP).step("kabid_disposisi").disposition is not None


# -- the file format --------------------------------------------------------------------------


def _broken(old: str, new: str) -> str:
    assert old in TEXT, old
    with pytest.raises(SopFileError) as refused:
        load_sop_text(TEXT.replace(old, new, 1), "surat.yaml")
    return str(refused.value)


def test_an_unknown_role_to_dispose_to_is_refused_at_its_line() -> None:
    said = _broken("to: [kasi, staf]", "to: [kasi, stf]")
    assert "surat.yaml:" in said and "'stf'" in said and "staf" in said


def test_a_disposition_that_never_asks_anyone_to_act_is_refused() -> None:
    said = _broken(
        """        - {key: tindak_lanjuti, label: Tindak lanjuti sesuai peruntukan}
        - {key: siapkan_jawaban, label: Siapkan draf jawaban}
        - {key: pelajari, label: Pelajari dan beri saran}
        - {key: koordinasikan, label: Koordinasikan}
        - {key: hadiri, label: Hadiri / wakili}
""",
        "",
    )
    assert "instruksi untuk bertindak" in said


def test_the_step_after_a_disposition_must_be_its_recipients() -> None:
    said = _broken("    actor_from: kabid_disposisi\n", "    actors: [kasi]\n")
    assert "actor_from: kabid_disposisi" in said


def test_a_duplicate_instruction_key_is_refused() -> None:
    said = _broken("{key: pelajari,", "{key: hadiri,")
    assert "instruksi ganda 'hadiri'" in said


def test_a_misspelt_field_of_an_instruction_is_named() -> None:
    said = _broken(
        "informs: true}\n        - {key: arsipkan", "inform: true}\n        - {key: arsipkan"
    )
    assert "inform" in said and "informs" in said


# -- through the services ---------------------------------------------------------------------


ROLES = {
    "admin_umum": "agendaris",
    "kabid": "kabid",
    "kasi_1": "kasi",
    "kasi_2": "kasi",  # two holders of one role: each gets a task of their own
    "staf": "staf",
    "kabid_lain": "kabid",
}


async def _people(ctx: Context) -> dict[str, int]:
    people = {}
    for chat, (name, role) in enumerate(ROLES.items(), start=700):
        people[name] = await add_official(ctx, name=name.title(), telegram_user_id=chat)
        await assign_role(ctx, official_id=people[name], role=role)
    return people


async def _letter(ctx: Context, people: dict[str, int], **fields: Any) -> tuple[int, Task]:
    reg = await register_proposal(
        ctx,
        by=people["admin_umum"],
        sop_code="surat_masuk",
        title="Undangan rapat koordinasi",
        origin="Dinas Kominfo",
        document=pdf("undangan.pdf"),
        fields={
            "nomor_surat": "005/77/2026",
            "tanggal_surat": "2026-12-01",
            "tujuan": {"id": people["kabid"], "name": "Kabid", "role": "kabid"},
            **fields,
        },
    )
    [head] = (await open_tasks(ctx, reg.proposal_id)).values()
    return reg.proposal_id, head


async def _their_tasks(ctx: Context, proposal_id: int) -> dict[int, Task]:
    async with ctx.sessions() as session:
        found = await session.scalars(
            select(Task).where(Task.proposal_id == proposal_id, Task.step_key == "tindak_lanjut")
        )
        return {t.assignee_id or 0: t for t in found}


async def test_several_recipients_each_with_an_instruction(letters_office: Context) -> None:
    ctx = letters_office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    picks = {
        people["kasi_1"]: "tindak_lanjuti",
        people["kasi_2"]: "siapkan_jawaban",
        people["staf"]: "diketahui",
    }
    await dispositions.give(ctx, head.id, people["kabid"], picks, "Segera koordinasikan")
    theirs = await _their_tasks(ctx, proposal_id)
    # Both section heads (one role) have a task; the staff member, only informed, has none.
    assert set(theirs) == {people["kasi_1"], people["kasi_2"]}
    assert all(t.role == "kasi" and t.completed_at is None for t in theirs.values())
    sent = await outbox(ctx)
    by_chat = {(m.chat_id, m.template) for m in sent}
    assert (700 + 4, "disposition_informed") in by_chat  # the staff member's chat
    assert (701, "disposition_sent") in by_chat  # the head's confirmation
    informed = next(m for m in sent if m.template == "disposition_informed")
    assert informed.context["disposition"]["note"] == "Segera koordinasikan"
    assigned = [m for m in sent if m.template == "task_assigned" and m.chat_id == 702]
    assert assigned[-1].context["disposition"]["instruction"] == "Tindak lanjuti sesuai peruntukan"
    # The history says to whom, in the SOP's words.
    history = await queries.proposal_history(ctx, proposal_id, await viewer(ctx, people["kabid"]))
    said = [e.names.get("recipients") for e in history.entries if e.type == "task_dispose"]
    assert said and "Kasi_2 — Siapkan draf jawaban" in (said[0] or "")
    # With completion: any, the first report settles the step; the other task closes.
    await tasks.act(ctx, theirs[people["kasi_2"]].id, people["kasi_2"], tasks.Decide("selesai"))
    assert (await proposal(ctx, proposal_id)).outcome == "ditindaklanjuti"


async def test_an_informed_recipient_sees_the_case_and_confirms_reading(
    letters_office: Context,
) -> None:
    ctx = letters_office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    picks = {people["kasi_1"]: "tindak_lanjuti", people["staf"]: "diketahui"}
    await dispositions.give(ctx, head.id, people["kabid"], picks, None)
    found = await queries.proposal_history(ctx, proposal_id, await viewer(ctx, people["staf"]))
    assert found.entries
    with pytest.raises(NotVisible):  # the other head of division is no part of it
        await queries.proposal_history(ctx, proposal_id, await viewer(ctx, people["kabid_lain"]))
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(Disposition).where(Disposition.official_id == people["staf"])
        )
    assert row is not None and row.informs
    assert await dispositions.confirm_read(ctx, row.id, people["staf"]) is True
    assert await dispositions.confirm_read(ctx, row.id, people["staf"]) is False  # once
    with pytest.raises(NotYourTask):  # a forged button: someone else's line
        await dispositions.confirm_read(ctx, row.id, people["kasi_1"])
    read = [e for e in await events(ctx, proposal_id) if e.type == "disposition_read"]
    assert len(read) == 1 and read[0].actor_id == people["staf"]


async def test_only_the_offered_may_be_chosen(letters_office: Context) -> None:
    ctx = letters_office
    people = await _people(ctx)
    _, head = await _letter(ctx, people)
    kabid = people["kabid"]
    for picks in (
        {people["kabid_lain"]: "tindak_lanjuti"},  # not a holder of kasi or staf
        {people["kasi_1"]: "no_such_instruction"},
        {kabid: "tindak_lanjuti"},  # to oneself
        {},
    ):
        with pytest.raises(InvalidInput):
            await dispositions.give(ctx, head.id, kabid, picks, None)
    with pytest.raises(NotYourTask):  # the other head of division forging the button
        await dispositions.give(
            ctx, head.id, people["kabid_lain"], {people["kasi_1"]: "pelajari"}, None
        )
    with pytest.raises(ActionNotAllowed):  # a plain approval cannot skip the disposition
        await tasks.act(ctx, head.id, kabid, tasks.Approve())
    refused = [e for e in await events(ctx) if e.type == "action_refused"]
    assert len(refused) >= 6  # each refusal recorded


async def test_only_informing_files_the_letter(letters_office: Context) -> None:
    ctx = letters_office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    await dispositions.give(ctx, head.id, people["kabid"], {people["staf"]: "arsipkan"}, None)
    assert (await proposal(ctx, proposal_id)).outcome == "diarsipkan"
    # Nothing to take back: the head's confirmation offers no «Tarik disposisi».
    [sent] = [m for m in await outbox(ctx) if m.template == "disposition_sent"]
    out = compose(Renderer(ctx.settings.zone), sent.template, sent.context)
    assert out.markup is None and "dapat ditarik" not in out.text


async def test_recall_while_nobody_acted_gives_the_step_back(letters_office: Context) -> None:
    ctx = letters_office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    picks = {people["kasi_1"]: "tindak_lanjuti", people["staf"]: "diketahui"}
    await dispositions.give(ctx, head.id, people["kabid"], picks, None)
    with pytest.raises(NotYourTask):
        await dispositions.recall(ctx, head.id, people["kasi_1"])
    await dispositions.recall(ctx, head.id, people["kabid"])
    theirs = await _their_tasks(ctx, proposal_id)
    assert theirs[people["kasi_1"]].action == "recalled"
    [again] = (await open_tasks(ctx, proposal_id)).values()
    assert (again.step_key, again.assignee_id, again.activation) == (
        "kabid_disposisi",
        people["kabid"],
        2,
    )
    sent = await outbox(ctx)
    assert any(m.template == "disposition_recalled" and m.chat_id == 704 for m in sent)
    assert any(
        m.template == "task_assigned" and m.context.get("returned", {}).get("recalled")
        for m in sent
    )
    with pytest.raises(AlreadyHandled):  # its button pressed twice
        await dispositions.recall(ctx, head.id, people["kabid"])
    with pytest.raises(NotVisible):  # a recalled disposition shows the case no more
        await queries.proposal_history(ctx, proposal_id, await viewer(ctx, people["staf"]))
    # Given again, to someone else: the new one is in force.
    await dispositions.give(ctx, again.id, people["kabid"], {people["kasi_2"]: "pelajari"}, None)
    open_now = await _their_tasks(ctx, proposal_id)
    assert open_now[people["kasi_2"]].completed_at is None


async def test_recall_after_a_recipient_acted_is_refused(letters_office: Context) -> None:
    ctx = letters_office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    picks = {people["kasi_1"]: "tindak_lanjuti", people["kasi_2"]: "pelajari"}
    await dispositions.give(ctx, head.id, people["kabid"], picks, None)
    theirs = await _their_tasks(ctx, proposal_id)
    await tasks.forward(ctx, theirs[people["kasi_1"]].id, people["kasi_1"], people["staf"], "")
    with pytest.raises(TooLate) as late:
        await dispositions.recall(ctx, head.id, people["kabid"])
    assert late.value.details["names"] == ["Kasi_1"]
    assert (await proposal(ctx, proposal_id)).status == OPEN
    assert all(t.completed_at is None for t in (await _their_tasks(ctx, proposal_id)).values())


async def test_an_overdue_recipient_is_reported_to_the_giver_alone(
    letters_office: Context, clock: FrozenClock
) -> None:
    """The section head's superior role is every head of division; the one to hear that the
    task is overdue is the head who gave the disposition, and the other head never sees it."""
    ctx = letters_office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    await dispositions.give(ctx, head.id, people["kabid"], {people["kasi_1"]: "pelajari"}, None)
    for _ in range(40):  # working minutes well past the 30-minute standard and the reminders
        clock.advance(minutes=15)
        await reminders.sweep(ctx)
    escalated = [e for e in await events(ctx, proposal_id) if e.type == "task_escalated"]
    assert len(escalated) == 1 and escalated[0].payload["to"] == [people["kabid"]]
    with pytest.raises(NotVisible):
        await queries.proposal_history(ctx, proposal_id, await viewer(ctx, people["kabid_lain"]))
    [task] = [t for t in (await _their_tasks(ctx, proposal_id)).values()]
    with pytest.raises(NotYourTask):  # nor may the other head pass it on
        await tasks.forward(ctx, task.id, people["kabid_lain"], people["kasi_2"], "")
    await tasks.forward(ctx, task.id, people["kabid"], people["kasi_2"], "Bantu")  # the giver may


async def test_a_disposition_given_by_a_plh_may_be_recalled_by_the_holder(
    letters_office: Context, clock: FrozenClock
) -> None:
    """The head of division was away; her Plh gave the disposition. Back, she may take it back;
    the refusals say what they are about, not "Tugas ini"."""
    ctx = letters_office
    people = await _people(ctx)
    now = clock.now()
    await delegate(
        ctx,
        holder_id=people["kabid"],
        acting_id=people["kabid_lain"],
        role="kabid",
        start=now,
        end=now + timedelta(days=1),
    )
    proposal_id, head = await _letter(ctx, people)
    picks = {people["kasi_1"]: "pelajari", people["staf"]: "diketahui"}
    await dispositions.give(ctx, head.id, people["kabid_lain"], picks, None)
    with pytest.raises(NotYourTask) as stranger:
        await dispositions.recall(ctx, head.id, people["kasi_2"])
    await dispositions.recall(ctx, head.id, people["kabid"])
    with pytest.raises(AlreadyHandled) as twice:
        await dispositions.recall(ctx, head.id, people["kabid"])
    renderer = Renderer(ctx.settings.zone)
    for refusal, said in ((stranger, "Disposisi ini bukan untuk Anda."), (twice, "sudah ditarik")):
        text = renderer.render(
            "refusal", {"code": refusal.value.code, "details": refusal.value.details}
        )
        assert said in text and "Tugas" not in text
    assert (await proposal(ctx, proposal_id)).status == OPEN
