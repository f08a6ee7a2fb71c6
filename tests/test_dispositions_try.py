"""Dispositions tried as an adversary would (the `try` branch): driven through the emulator as
an independent Telegram client, with forged buttons, and through the services and the loader
with SOPs written from sops/README.md alone."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import api_urls
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.engine import Decide, WorkflowError
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.services import dispositions, queries, tasks
from bot.services.context import Context, build_context
from bot.services.dispositions import TooLate
from bot.services.errors import AlreadyHandled
from bot.services.officials import deactivate
from bot.services.proposals import register_proposal
from demo.player import _intake
from demo.world import TOKEN
from models import Disposition, Event, Task
from tests.bot_world import World, close_world, make_world
from tests.helpers import events, pdf
from tests.test_dispositions import _letter, _people, _their_tasks

SOPS = Path(__file__).parents[1] / "sops"
Json = dict[str, Any]


@pytest.fixture
async def letters(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    """The bot on the emulator with the incoming-letters SOP: two section heads (one role), a
    member of staff, the head of division the letter is for, and another head of division."""
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(SOPS / "surat_masuk.yaml", sops / "surat_masuk.yaml")
    world = await make_world(settings.model_copy(update={"sop_dir": sops}), tmp_path)
    try:
        await world.start_bot()
        await world.register("admin", name="Admin TI")
        await world.register("agendaris", name="Umi Umum")
        await world.register("kabid", name="Budi Kabid")  # the first kabid: the letter's addressee
        kabid = world.users["kabid"]
        world.users["kabid_lain"] = await world.register("kabid", name="Lain Kabid")
        world.users["kabid"] = kabid
        world.users["kasi_1"] = await world.register("kasi", name="Satu Kasi")
        world.users["kasi_2"] = await world.register("kasi", name="Dua Kasi")
        world.users["staf"] = await world.register("staf", name="Tiga Staf")
        yield world
    finally:
        await close_world(world)


async def _forge(world: World, who: str, data: str) -> Json:
    """A button the bot never drew for `who`, pressed: a modified client."""
    urls = api_urls(world.ctx.settings.telegram_api_url)
    assert urls is not None
    async with Bot(TOKEN, base_url=urls[0], base_file_url=urls[1]) as bot:
        forged = InlineKeyboardMarkup([[InlineKeyboardButton("palsu", callback_data=data)]])
        message = await bot.send_message(world.uid(who), "tombol palsu", reply_markup=forged)
    pressed = await world.tg.press(world.uid(who), message.message_id, callback_data=data, wait=10)
    answer: Json = pressed["answer"] or {}
    return answer


async def _refusals(world: World) -> list[Event]:
    async with world.ctx.sessions() as session:
        found = await session.scalars(
            select(Event).where(Event.type.in_(("action_refused", "input_refused")))
        )
        return list(found)


async def _head_task(world: World) -> Task:
    async with world.ctx.sessions() as session:
        found = await session.scalar(
            select(Task).where(Task.step_key == "kabid_disposisi", Task.completed_at.is_(None))
        )
    assert found is not None
    return found


async def _tasks_of(world: World, step: str) -> list[Task]:
    async with world.ctx.sessions() as session:
        return list(
            await session.scalars(select(Task).where(Task.step_key == step).order_by(Task.id))
        )


async def _pick(world: World, picker: Json, name: str, instruction: str) -> None:
    await world.press("kabid", picker, f"☐ {name}")
    await world.press("kabid", picker, instruction)


async def test_two_of_one_role_one_informed_recall_and_give_again(letters: World) -> None:
    world = letters
    spec = world.ctx.sops.get("surat_masuk")
    number = await _intake(world, spec, "Undangan rapat koordinasi", None)
    task = await world.task("kabid", number)
    await world.press("kabid", task, "✍️ Disposisi")
    picker = await world.latest("kabid", "Disposisi kepada siapa")
    labels = [b["text"] for row in picker["buttons"] for b in row]
    assert not any("Lain Kabid" in t or "Budi Kabid" in t for t in labels)  # neither offered
    await _pick(world, picker, "Satu Kasi", "Tindak lanjuti sesuai peruntukan")
    await _pick(world, picker, "Dua Kasi", "Siapkan draf jawaban")
    await _pick(world, picker, "Tiga Staf", "Untuk diketahui")
    await world.say("kabid", "Koordinasikan dengan seksi lain")
    picker = await world.latest("kabid", "Catatan: Koordinasikan")
    answer = await world.press("kabid", picker, "📨 Kirim disposisi")
    assert "Tersimpan" in answer["text"] or answer["text"]
    sent = await world.latest("kabid", "Disposisi terkirim")
    for who in ("kasi_1", "kasi_2"):
        mine = await world.task(who, number)
        assert "✍️ Disposisi dari Budi Kabid" in mine["text"], mine["text"]
    informed = await world.latest("staf", "Untuk diketahui")
    assert "Koordinasikan dengan seksi lain" in informed["text"]
    theirs = await _tasks_of(world, "tindak_lanjut")
    assert sorted(t.assignee_id or 0 for t in theirs) == sorted(
        [await _official(world, "kasi_1"), await _official(world, "kasi_2")]
    )

    # The staff member sees the case; the other head of division never does.
    await world.say("staf", f"/status {number}")
    assert number in (await world.latest("staf", "Undangan rapat"))["text"]
    await world.say("kabid_lain", f"/status {number}")
    assert "tidak ada" in (await world.latest("kabid_lain", "tidak ada, atau"))["text"]

    # Forged buttons: each refused in words, recorded, and nothing changes.
    head = await _tasks_of(world, "kabid_disposisi")
    given = head[0]
    before = len(await _refusals(world))
    said = await _forge(world, "kasi_1", f"dr:{given.id}")  # a recipient recalls
    assert said.get("show_alert") and "bukan untuk Anda" in said["text"]
    said = await _forge(world, "kabid_lain", f"dr:{given.id}")  # a stranger to it recalls
    assert said.get("show_alert") and "bukan untuk Anda" in said["text"]
    rows = await _rows(world)
    staf_row = next(r for r in rows if r.informs)
    said = await _forge(world, "kasi_1", f"dk:{staf_row.id}")  # someone else's read receipt
    assert said.get("show_alert")
    assert len(await _refusals(world)) == before + 3
    assert all(r.read_at is None for r in await _rows(world))

    # The informed member of staff confirms reading; then the head recalls.
    said = await world.press("staf", informed, "👍 Sudah dibaca")
    answer = await world.press("kabid", sent, "↩️ Tarik disposisi")
    await world.latest("staf", "Disposisi ditarik")
    theirs = await _tasks_of(world, "tindak_lanjut")
    assert all(t.completed_at is not None for t in theirs)
    said = await _forge(world, "kabid", f"dr:{given.id}")  # recalled twice
    assert said.get("show_alert")
    await world.say("staf", f"/status {number}")
    assert "tidak ada" in (await world.latest("staf", "tidak ada, atau"))["text"]

    # Given again, to the second section head only.
    again = await world.task("kabid", number)
    await world.press("kabid", again, "✍️ Disposisi")
    picker = await world.latest("kabid", "Disposisi kepada siapa")
    assert "Koordinasikan" not in picker["text"]  # a new disposition starts empty
    await _pick(world, picker, "Dua Kasi", "Pelajari dan beri saran")
    await world.press("kabid", picker, "📨 Kirim disposisi")
    await world.latest("kabid", "Pelajari dan beri saran")
    open_now = [t for t in await _tasks_of(world, "tindak_lanjut") if t.completed_at is None]
    assert [t.assignee_id for t in open_now] == [await _official(world, "kasi_2")]


async def _official(world: World, who: str) -> int:

    me = await queries.official_by_telegram(world.ctx, world.uid(who))
    assert me is not None
    return me.id


async def _rows(world: World) -> list[Disposition]:
    async with world.ctx.sessions() as session:
        return list(await session.scalars(select(Disposition).order_by(Disposition.id)))


async def test_forged_picker_buttons_are_refused_recorded_and_change_nothing(
    letters: World,
) -> None:
    world = letters
    spec = world.ctx.sops.get("surat_masuk")
    number = await _intake(world, spec, "Undangan rapat koordinasi", None)
    await world.task("kabid", number)
    head = await _head_task(world)
    t, v = head.id, head.version
    stranger = await _official(world, "kabid_lain")
    kasi = await _official(world, "kasi_1")
    forgeries = [  # (who, data, what the alert says)
        ("kabid_lain", f"dp:{t}:{v}", "bukan untuk Anda"),  # not the head
        ("kabid_lain", f"dq:{t}:{v}", "bukan untuk Anda"),  # not the head, sending
        ("kabid", f"dp:{t}:{v + 7}", "sudah ditangani"),  # a stale version
        ("kabid", f"dw:{t}:{v}:{stranger}", "Penerima itu tidak dapat dipilih"),  # not offered
        ("kabid", f"di:{t}:{v}:{stranger}:0", "Penerima itu tidak dapat dipilih"),
        ("kabid", f"di:{t}:{v}:{kasi}:99", "Instruksi itu tidak ada"),  # index out of range
        ("kabid", f"dq:{t}:{v}", "Pilih dahulu sedikitnya satu penerima"),  # an empty one
        ("kabid", f"dq:{t + 50}:{v}", "tidak ditemukan"),  # a task that is not there
        ("kabid", "dk:999", "bukan untuk Anda"),  # a read receipt for no disposition
        ("kabid", f"dr:{t}", "tidak ditemukan"),  # a recall of a disposition not given
    ]
    wrong = []
    for who, data, words in forgeries:
        before = len(await _refusals(world))
        answer = await _forge(world, who, data)
        recorded = len(await _refusals(world)) - before
        if not answer.get("show_alert") or recorded != 1 or words not in answer.get("text", ""):
            wrong.append((who, data, answer.get("text"), recorded))
    assert not wrong
    assert not await _rows(world)
    assert (await _head_task(world)).version == v


async def test_a_5000_character_note_is_refused_recorded_and_the_draft_kept(
    letters: World,
) -> None:
    world = letters
    spec = world.ctx.sops.get("surat_masuk")
    number = await _intake(world, spec, "Undangan rapat koordinasi", None)
    await world.press("kabid", await world.task("kabid", number), "✍️ Disposisi")
    picker = await world.latest("kabid", "Disposisi kepada siapa")
    await _pick(world, picker, "Satu Kasi", "Tindak lanjuti sesuai peruntukan")
    before = len(await _refusals(world))
    # 5,000 characters typed: Telegram sends the first 4,096 as one message (a longer one the
    # emulator refuses, as Telegram does), the rest as another.
    await world.say("kabid", "x" * 4096)
    said = await world.latest("kabid", "terlalu panjang")
    assert "4.096" in said["text"] and "1.000" in said["text"]
    assert len(await _refusals(world)) == before + 1  # recorded, as every long text is
    # The longest note allowed is kept, shown and sent whole, and the draft still holds the pick.
    await world.say("kabid", "y" * 1000)
    picker = await world.latest("kabid", "Catatan: yyy")
    assert "Satu Kasi — Tindak lanjuti" in picker["text"]
    await world.press("kabid", picker, "📨 Kirim disposisi")
    mine = await world.task("kasi_1", number)
    assert "y" * 1000 in mine["text"]


# -- an SOP of my own, written from sops/README.md alone ---------------------------------------

MINE = """\
code: nota_dinas
version: "1"
header: {institution: Kantor Percobaan, number: "ND/1/2026", name: SOP Nota Dinas}
roles:
  kakan: {title: Kepala Kantor}
  kasubag: {title: Kepala Subbagian, superior: kakan}
  pelaksana: {title: Pelaksana, superior: kasubag}
  tu: {title: Tata Usaha}
intake: {registrars: [tu]}
outcomes:
  selesai: {title: Nota selesai}
  arsip: {title: Nota diarsipkan}
steps:
  - key: kakan_disposisi
    number: 1
    activity: Kepala kantor mendisposisikan nota
    actors: [kakan]
    time: 10 menit
    disposition:
      to: [kasubag, pelaksana]
      instructions:
        - {key: kerjakan, label: Kerjakan}
        - {key: tahu, label: Untuk diketahui, informs: true}
      on_inform: {end: arsip}
    on_approve: {to: kerjakan}
  - key: kerjakan
    number: 2
    activity: Mengerjakan nota sesuai disposisi
    actor_from: kakan_disposisi
    time: 30 menit
    on_approve: {end: selesai}
"""


def _refused(text: str) -> str:

    with pytest.raises(SopFileError) as refused:
        load_sop_text(text, "nota.yaml")
    return str(refused.value)


def test_my_own_disposition_sop_loads() -> None:

    assert load_sop_text(MINE, "nota.yaml").step("kakan_disposisi").disposition is not None


def test_on_inform_to_the_recipients_step_is_refused() -> None:
    """Nobody asked to act, yet the case goes to the step only those asked to act have tasks
    in: it would start no task at all, and the case would stand still for ever."""
    said = _refused(MINE.replace("on_inform: {end: arsip}", "on_inform: {to: kerjakan}"))
    assert "nota.yaml:" in said and "on_inform" in said and "kerjakan" in said


NESTED = """\
code: nota_berjenjang
version: "1"
header: {institution: Kantor Percobaan, number: "NB/1/2026", name: SOP Nota Berjenjang}
roles:
  kakan: {title: Kepala Kantor}
  kasubag: {title: Kepala Subbagian, superior: kakan}
  pelaksana: {title: Pelaksana, superior: kasubag}
  tu: {title: Tata Usaha}
intake: {registrars: [tu]}
outcomes:
  selesai: {title: Nota selesai}
steps:
  - key: kakan_disposisi
    number: 1
    activity: Kepala kantor mendisposisikan kepada kepala subbagian
    actors: [kakan]
    time: 10 menit
    disposition:
      to: [kasubag]
      instructions:
        - {key: teruskan, label: Teruskan ke pelaksana}
    on_approve: {to: kasubag_disposisi}
  - key: kasubag_disposisi
    number: 2
    activity: Kepala subbagian mendisposisikan kepada pelaksana
    actor_from: kakan_disposisi
    time: 10 menit
    disposition:
      to: [pelaksana]
      instructions:
        - {key: kerjakan, label: Kerjakan}
    on_approve: {to: kerjakan}
  - key: kerjakan
    number: 3
    activity: Pelaksana mengerjakan
    actor_from: kasubag_disposisi
    time: 30 menit
    on_approve: {end: selesai}
"""


def test_a_disposition_by_a_dispositions_recipients_must_be_completion_any() -> None:
    """The head disposes to two heads of subsection; each would dispose on to staff. A
    disposition settles its step at once (the engine takes the first), so with `completion:
    all` — the default — the second head's task closes unasked and her disposition is never
    given: the file must say so, as it does for a disposition step with several actor roles."""
    said = _refused(NESTED)
    assert "nota.yaml:" in said and "[langkah kasubag_disposisi]" in said
    assert "completion: any" in said

    fixed = NESTED.replace(
        "    actor_from: kakan_disposisi\n",
        "    actor_from: kakan_disposisi\n    completion: any\n",
    )
    assert load_sop_text(fixed, "nota.yaml").step("kasubag_disposisi").completion == "any"
    # A decision its recipients take: the same (the first to decide would settle it for all).
    deciding = MINE.replace(
        "    on_approve: {end: selesai}\n",
        """    decision:
      question: Hasil
      options:
        - {key: beres, label: Beres, end: selesai}
        - {key: arsip, label: Arsipkan, end: arsip}
""",
    )
    said = _refused(deciding)
    assert "[langkah kerjakan]" in said and "siapa yang memutuskan" in said


async def test_a_restricted_letter_disposed_and_recalled_keeps_its_title_out_of_the_group(
    letters: World,
) -> None:

    world = letters
    chat = await world.tg.create_chat("Tim Surat", [world.uid("admin"), world.uid("staf")])
    group = int(chat["id"])
    await world.tg.send(world.uid("admin"), "/langganan", chat_id=group)
    await world.tg.wait(group, contains="kartu status", seconds=10)
    kabid = await _official(world, "kabid")
    reg = await register_proposal(
        world.ctx,
        by=await _official(world, "agendaris"),
        sop_code="surat_masuk",
        title="Rencana mutasi pejabat eselon",
        origin="BKD",
        document=pdf("mutasi.pdf"),
        fields={
            "nomor_surat": "800/1/2026",
            "tanggal_surat": "2026-12-01",
            "tujuan": {"id": kabid, "name": "Budi Kabid", "role": "kabid"},
            "classification": "rahasia",
        },
    )
    number = reg.number
    await world.press("kabid", await world.task("kabid", number), "✍️ Disposisi")
    picker = await world.latest("kabid", "Disposisi kepada siapa")
    await _pick(world, picker, "Satu Kasi", "Tindak lanjuti sesuai peruntukan")
    await _pick(world, picker, "Tiga Staf", "Untuk diketahui")
    await world.say("kabid", "Jangan disebarkan")
    picker = await world.latest("kabid", "Catatan: Jangan")
    await world.press("kabid", picker, "📨 Kirim disposisi")
    informed = await world.latest("staf", "Untuk diketahui")
    assert "Rencana mutasi" in informed["text"]  # in the private chat, it is shown
    document = await world.download("staf", informed, "mutasi.pdf")
    assert document.get("has_protected_content") is True
    # The staff member asks in the group: the group sees where it stands, not what it is.
    await world.tg.send(world.uid("staf"), f"/status {number}", chat_id=group)
    await world.tg.wait(group, contains=f"{number}", seconds=10)
    sent = await world.press("kabid", await world.latest("kabid", "Disposisi terkirim"), "↩️")
    assert sent
    await world.latest("staf", "Disposisi ditarik")
    await world.tg.send(world.uid("staf"), f"/riwayat {number}", chat_id=group)
    await asyncio.sleep(1.0)
    said = [m["text"] for m in await world.tg.messages(group) if m["from_bot"]]
    assert said and not [t for t in said if "Rencana mutasi" in t or "Jangan disebarkan" in t]


async def test_a_pick_whose_official_left_can_be_taken_off_and_the_rest_sent(
    letters: World,
) -> None:
    """The head picks a section head, who is then deactivated before the head sends: sending
    is refused ("pilih lagi"), so the head must be able to see and drop that pick."""

    world = letters
    spec = world.ctx.sops.get("surat_masuk")
    number = await _intake(world, spec, "Undangan rapat koordinasi", None)
    await world.press("kabid", await world.task("kabid", number), "✍️ Disposisi")
    picker = await world.latest("kabid", "Disposisi kepada siapa")
    await _pick(world, picker, "Satu Kasi", "Tindak lanjuti sesuai peruntukan")
    await _pick(world, picker, "Dua Kasi", "Siapkan draf jawaban")
    admin = await _official(world, "admin")
    await deactivate(world.ctx, await _official(world, "kasi_1"), by=admin)
    said = await world.press("kabid", picker, "📨 Kirim disposisi")
    assert "tidak dapat dipilih lagi" in said["text"]
    # Redrawn, the list no longer holds the one who left, and the rest can be sent.
    await world.say("kabid", "Segera")
    picker = await world.latest("kabid", "Catatan: Segera")
    assert "Satu Kasi" not in picker["text"] and "—  —" not in picker["text"]
    assert "• — —" not in picker["text"], picker["text"]
    await world.press("kabid", picker, "📨 Kirim disposisi")
    await world.task("kasi_2", number)


# -- through the services, with the helpers of tests/test_dispositions.py ---------------------


@pytest.fixture
async def office(settings: Settings, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[Context]:
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(SOPS / "surat_masuk.yaml", sops / "surat_masuk.yaml")
    context = build_context(settings.model_copy(update={"sop_dir": sops}), clock=clock)
    yield context
    await context.close()


async def test_recall_after_a_document_or_a_decision_is_refused_and_changes_nothing(
    office: Context,
) -> None:

    ctx = office
    people = await _people(ctx)
    proposal_id, head = await _letter(ctx, people)
    picks = {people["kasi_1"]: "tindak_lanjuti", people["kasi_2"]: "siapkan_jawaban"}
    await dispositions.give(ctx, head.id, people["kabid"], picks, None)
    theirs = await _their_tasks(ctx, proposal_id)
    await tasks.attach_document(
        ctx, theirs[people["kasi_2"]].id, people["kasi_2"], "konsep_jawaban", pdf("draf.pdf")
    )
    with pytest.raises(TooLate) as late:
        await dispositions.recall(ctx, head.id, people["kabid"])
    assert late.value.details["names"] == ["Kasi_2"]
    await tasks.act(ctx, theirs[people["kasi_1"]].id, people["kasi_1"], Decide("selesai"))
    with pytest.raises(AlreadyHandled):  # the case is closed
        await dispositions.recall(ctx, head.id, people["kabid"])
    refused = [e for e in await events(ctx) if e.type == "action_refused"]
    assert [e.payload["action"] for e in refused][-2:] == ["recall", "recall"]


async def test_a_read_receipt_is_only_for_one_informed(office: Context) -> None:
    """A recipient asked to act has a task, not a «Sudah dibaca»: a forged one is refused."""

    ctx = office
    people = await _people(ctx)
    _, head = await _letter(ctx, people)
    picks = {people["kasi_1"]: "tindak_lanjuti", people["staf"]: "diketahui"}
    await dispositions.give(ctx, head.id, people["kabid"], picks, None)
    async with ctx.sessions() as session:
        acting = await session.scalar(
            select(Disposition).where(Disposition.official_id == people["kasi_1"])
        )
    assert acting is not None and not acting.informs
    with pytest.raises(WorkflowError):
        await dispositions.confirm_read(ctx, acting.id, people["kasi_1"])
