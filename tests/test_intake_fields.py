"""An SOP declares what its intake asks (text, a choice, a date, an official, a file), and a step
may go to the person named at intake — the letter's addressee — rather than to a role (issue 13).
The SOP is tests/data/sop_surat_uji.yaml."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.services import conversations, intake, tasks
from bot.services.context import Context, build_context
from bot.services.errors import FieldRefused, InvalidInput, NobodyToChoose, NotYourTask
from bot.services.intake_fields import BadDate, parse_date
from bot.services.officials import add_official, assign_role, deactivate, revoke
from bot.services.proposals import Registered, register_proposal
from bot.tools.cli import main
from demo import player
from demo.world import World
from models import Official, Proposal, RoleAssignment
from tests.bot_world import close_world, make_world
from tests.conftest import WIB
from tests.helpers import open_tasks, pdf, proposal
from tests.test_demo import START, no_environment  # noqa: F401  (the fixture, autouse)

LETTERS = Path(__file__).parent / "data" / "sop_surat_uji.yaml"
TEXT = LETTERS.read_text(encoding="utf-8")


@pytest.fixture
async def letters(settings: Settings, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[Context]:
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(LETTERS, sops / "surat.yaml")
    context = build_context(settings.model_copy(update={"sop_dir": sops}), clock=clock)
    yield context
    await context.close()


async def _office(ctx: Context) -> dict[str, int]:
    people = {}
    for chat, role in enumerate(("sekretaris", "kabid_a", "kabid_b"), start=600):
        people[role] = await add_official(ctx, name=role.title(), telegram_user_id=chat)
        await assign_role(ctx, official_id=people[role], role=role)
    return people


def _fields(people: dict[str, int], to: str) -> dict[str, Any]:
    addressee = {"id": people[to], "name": to.title(), "role": to}
    return {
        "nomor": "005/12/2026",
        "tanggal": "2026-12-01",
        "jenis": "Undangan",
        "tujuan": addressee,
    }


async def _letter(
    ctx: Context, by: int, fields: dict[str, Any], title: str = "Undangan", **more: Any
) -> Registered:
    """A letter of the test SOP registered by `by` with these intake fields."""
    return await register_proposal(
        ctx,
        by=by,
        sop_code="surat_uji",
        title=title,
        origin="Dinas",
        document=pdf(f"{title}.pdf"),
        fields=fields,
        **more,
    )


async def test_the_step_goes_to_the_person_named_not_to_every_holder(letters: Context) -> None:
    ctx = letters
    people = await _office(ctx)
    attached = [("lampiran", pdf("daftar-hadir.pdf"))]
    reg = await _letter(ctx, people["sekretaris"], _fields(people, "kabid_b"), attachments=attached)
    [task] = (await open_tasks(ctx, reg.proposal_id)).values()
    assert (task.role, task.assignee_id) == ("kabid_b", people["kabid_b"])
    stored = await proposal(ctx, reg.proposal_id)
    assert stored.fields is not None and stored.fields["nomor"] == "005/12/2026"
    assert stored.fields["tujuan"]["id"] == people["kabid_b"]
    # The other head holds no task and may not act on this one.
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, people["kabid_a"], tasks.Approve())
    await tasks.act(ctx, task.id, people["kabid_b"], tasks.Approve())
    assert (await proposal(ctx, reg.proposal_id)).outcome == "selesai"


async def test_a_required_field_left_out_is_refused(letters: Context) -> None:
    ctx = letters
    people = await _office(ctx)
    fields = _fields(people, "kabid_a")
    del fields["tanggal"]
    with pytest.raises(InvalidInput) as refused:
        await _letter(ctx, people["sekretaris"], fields)
    assert refused.value.details["field"] == "tanggal"


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("jenis", "Pengumuman", "choice"),
        ("tanggal", "1 Des 2026", "date"),
        ("tanggal", "2026-02-31", "date"),
        ("tujuan", {"id": 9999, "name": "Siapa", "role": "kabid_a"}, "official"),
        ("tujuan", "Kabid_A", "official"),
    ],
)
async def test_a_declared_value_the_field_cannot_keep_is_refused(
    letters: Context, key: str, value: Any, reason: str
) -> None:
    people = await _office(letters)
    fields = _fields(people, "kabid_a") | {key: value}
    with pytest.raises(FieldRefused) as refused:
        await _letter(letters, people["sekretaris"], fields)
    assert refused.value.details["field"] == key
    assert refused.value.details["reason"] == reason
    assert not await _registered(letters)


@pytest.mark.parametrize("gone", ["deactivated", "role revoked", "other role"])
async def test_an_addressee_no_longer_there_when_registering_is_refused(
    letters: Context, gone: str
) -> None:
    ctx = letters
    people = await _office(ctx)
    fields = _fields(people, "kabid_a")
    if gone == "deactivated":
        await deactivate(ctx, people["kabid_a"])
    elif gone == "role revoked":
        async with ctx.sessions() as session:
            seat = await session.scalar(
                select(RoleAssignment.id).where(RoleAssignment.official_id == people["kabid_a"])
            )
        assert seat is not None
        await revoke(ctx, seat)
    else:  # the secretary named, under a role the field offers but they do not hold
        fields["tujuan"] = {"id": people["sekretaris"], "name": "Sekretaris", "role": "kabid_a"}
    with pytest.raises(FieldRefused) as refused:
        await _letter(ctx, people["sekretaris"], fields)
    assert refused.value.details["field"] == "tujuan"
    assert refused.value.details["label"] == "Ditujukan kepada"
    assert not await _registered(ctx)


async def _registered(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return len(list(await session.scalars(select(Proposal.id))))


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("3-12-2026", "2026-12-03"),
        ("03/12/2026", "2026-12-03"),
        ("2026-12-03", "2026-12-03"),
        ("3 Des 2026", "2026-12-03"),
        ("3 desember 2026", "2026-12-03"),
        ("  17 Agustus  1945 ", "1945-08-17"),
    ],
)
def test_dates_are_read_as_officials_write_them(typed: str, iso: str) -> None:
    assert parse_date(typed) == iso


@pytest.mark.parametrize("typed", ["31-2-2026", "besok", "12/2026", "3 Dzm 2026"])
def test_what_is_not_a_date_is_refused(typed: str) -> None:
    with pytest.raises(BadDate):
        parse_date(typed)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("actor_from: tujuan", "actor_from: tujuannya"), "tujuannya"),
        (("type: official, roles: [kabid_a, kabid_b]", "type: official"), "memerlukan roles"),
        (("options: [Undangan, Permohonan, Edaran]", "options: []"), "memerlukan options"),
        (("factor: 0.5", "factor: 2"), "paling besar 1"),
        (("{title: Rahasia, restricted: true}", "{title: Rahasia, factor: 0.5}"), "hanya berlaku"),
        (("{key: nomor,", "{key: title,"), "sudah dipakai pendaftaran"),
        # Every key intake keeps its own answers under is named, "sop" and "stage" too.
        (("{key: nomor,", "{key: stage,"), "(classification, file, kind, note, origin, sop, stage"),
        (("type: date", "type: tanggal"), "tidak dikenal"),
        (("roles: [kabid_a, kabid_b]", "roles: [kabid_c]"), "kabid_c"),
        (("    actor_from: tujuan\n", ""), "actors"),
    ],
)
def test_a_bad_field_or_actor_from_is_refused_in_words(change: tuple[str, str], said: str) -> None:
    assert change[0] in TEXT
    with pytest.raises(SopFileError) as refused:
        load_sop_text(TEXT.replace(*change), "s.yaml")
    assert any(said in p.message and p.line for p in refused.value.problems), refused.value


@pytest.mark.parametrize("twice", ["Permohonan", "permohonan"])
def test_a_choice_written_twice_is_refused_with_its_file_and_line(twice: str) -> None:
    written = "options: [Undangan, Permohonan, Edaran]"
    text = TEXT.replace(written, f"options: [Undangan, Permohonan, Edaran, {twice}]")
    with pytest.raises(SopFileError) as refused:
        load_sop_text(text, "s.yaml")
    (problem,) = refused.value.problems
    line = next(n for n, row in enumerate(TEXT.splitlines(), 1) if written in row)
    assert (problem.file, problem.line) == ("s.yaml", line)
    assert "'jenis'" in problem.message and repr(twice) in problem.message


def test_the_wizard_asks_each_field_and_the_named_person_gets_the_task(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through the emulator: each declared question asked in the SOP's words, the answers on
    the confirmation card and on the task, which goes to the one addressee."""
    assert main(["demo", "--json", "--sop", str(LETTERS), *START]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome_key"] == "selesai"
    said = [(s["chat"], s["text"]) for e in result["entries"] for s in e["shown"]]
    asked = [t for chat, t in said if t.startswith("📝 Surat masuk baru")]
    for question in (
        "Perihal:",
        "Pengirim:",
        "Nomor surat:",
        "Tanggal surat? Tulis",
        "Sifat?",
        "Ditujukan kepada?",
        "Kirim berkas Lampiran",
    ):
        assert any(question in t for t in asked), question
    [task] = [t for chat, t in said if t.startswith("📥 Tugas baru")]
    for line in (
        "Nomor surat: Contoh nomor surat",
        "Tanggal surat: 1 Des 2026",
        "Ditujukan kepada: Pejabat Kepala Bidang A",
        "Langkah 1: Baca dan tindak lanjuti",
    ):
        assert line in task
    # The usual sifat is on the card the registrar confirms, not on every task: a short screen.
    [card] = [t for chat, t in said if "Sifat: Biasa" in t and not t.startswith("📥")][:1]
    assert "Sifat" not in task and card
    told = {chat for chat, t in said if t.startswith("📥")}
    assert told == {"Pejabat Kepala Bidang A"}  # the one named; Kepala Bidang B is told nothing


@pytest.mark.parametrize(("urgency", "days"), [("biasa", 2), ("segera", 1), ("sangat_segera", 1)])
async def test_urgency_shortens_the_time_standard(
    letters: Context, clock: FrozenClock, urgency: str, days: int
) -> None:
    ctx = letters
    people = await _office(ctx)
    reg = await _letter(
        ctx, people["sekretaris"], _fields(people, "kabid_a") | {"urgency": urgency}
    )
    [task] = (await open_tasks(ctx, reg.proposal_id)).values()
    assert task.target_due_at == ctx.calendar.add_working_days(clock.now(), days)


async def test_an_unknown_level_is_refused(letters: Context) -> None:
    people = await _office(letters)
    with pytest.raises(InvalidInput) as refused:
        secret = {"classification": "sangat_rahasia"}
        await _letter(letters, people["sekretaris"], _fields(people, "kabid_a") | secret)
    assert refused.value.details["field"] == "classification"


def test_a_restricted_case_shows_in_a_group_only_where_it_stands() -> None:
    renderer = Renderer(WIB)
    case = {
        "number": "0001/SU/2026",
        "title": "Rencana mutasi pejabat",
        "kind": None,
        "origin": "BKD",
        "verdict": None,
        "restricted": True,
        "fields": [{"label": "Klasifikasi", "value": "Rahasia"}],
    }
    step = {
        "number": 1,
        "title": "Baca",
        "activity": "Baca",
        "standard_given": True,
        "standard": "2 hari kerja",
    }
    card = {
        "proposal": case,
        "outcome": None,
        "step": step,
        "holders": [],
        "live": False,
        "documents": [{"present": True, "title": "Pindaian surat"}],
    }
    in_group = renderer.render("group_card", card | {"in_group": True})
    assert "Rencana mutasi" not in in_group and "Pindaian surat" not in in_group
    assert "0001/SU/2026" in in_group and "Langkah 1: Baca" in in_group
    private = renderer.render("group_card", card | {"in_group": False})
    assert "Rencana mutasi pejabat" in private and "Klasifikasi: Rahasia" in private
    outcome = renderer.render(
        "group_outcome", {"proposal": case, "outcome": "Selesai", "in_group": True}
    )
    assert "Rencana mutasi" not in outcome


async def test_a_restricted_case_s_documents_are_sent_protected(
    settings: Settings, tmp_path: Path
) -> None:
    """Through the emulator: the addressee taps the letter's 📄 button; Telegram is asked to
    protect it (no forwarding, no saving), and an unrestricted one is sent as usual."""
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(LETTERS, sops / "surat.yaml")
    world = await make_world(settings.model_copy(update={"sop_dir": sops}), tmp_path)
    try:
        await world.start_bot()
        await player.register_office(world, world.ctx.sops.latest())
        ids = {role: await _official_id(world, role) for role in ("sekretaris", "kabid_a")}
        sent = {}
        for level in ("rahasia", "biasa"):
            fields = _fields({"kabid_a": ids["kabid_a"]}, "kabid_a")
            graded = fields | {"classification": level}
            reg = await _letter(world.ctx, ids["sekretaris"], graded, title=f"surat-{level}")
            task = await world.task("kabid_a", reg.number)
            sent[level] = await world.download("kabid_a", task, f"surat-{level}.pdf")
        assert sent["rahasia"].get("has_protected_content") is True
        assert sent["biasa"].get("has_protected_content") is False
    finally:
        await close_world(world)


async def _official_id(world: World, role: str) -> int:
    async with world.ctx.sessions() as session:
        found = await session.scalar(
            select(Official.id).where(Official.telegram_user_id == world.uid(role))
        )
    assert found is not None
    return int(found)


async def _to_confirmation(world: World) -> Any:
    """The secretary answers every question of a letter to Kepala Bidang A, up to its card."""
    uid = world.uid("sekretaris")
    await world.say("sekretaris", "/suratmasuk")
    answers = {"title": "Undangan rapat", "origin": "Dinas", "f:nomor": "005/12/2026"}
    answers |= {"f:tanggal": "1-12-2026"}
    while True:
        asked = await world.latest("sekretaris", "📝")
        waiting = await conversations.awaited(world.ctx, uid)
        assert waiting is not None
        stage = str(waiting.data["stage"])
        if stage == "confirm":
            return asked
        if stage in answers:
            await world.say("sekretaris", answers[stage])
        elif stage == "document":
            await world.send_file("sekretaris", "surat.pdf")
        elif stage == "f:tujuan":
            await world.press("sekretaris", asked, "Pejabat Kepala Bidang A")
        elif stage in ("f:lampiran", "note"):
            await world.press("sekretaris", asked, "Lewati")
        else:
            await world.press("sekretaris", asked, str(asked["buttons"][0][0]["text"]))
        await world.tg.wait(uid, since_message_id=asked["message_id"], seconds=10)


async def test_an_addressee_deactivated_before_registering_is_chosen_again_in_the_chat(
    settings: Settings, tmp_path: Path
) -> None:
    """Through the emulator: the secretary names Kepala Bidang A, who is deactivated before
    "Daftarkan" is pressed. The chat says why, asks whom again (only Kepala Bidang B now), and
    every other answer is kept: the next press registers the letter, for Kepala Bidang B."""
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(LETTERS, sops / "surat.yaml")
    world = await make_world(settings.model_copy(update={"sop_dir": sops}), tmp_path)
    try:
        await world.start_bot()
        await player.register_office(world, world.ctx.sops.latest())
        uid = world.uid("sekretaris")
        asked = await _to_confirmation(world)
        await deactivate(world.ctx, await _official_id(world, "kabid_a"))

        await world.press("sekretaris", asked, "✅ Daftarkan")
        told = await world.latest("sekretaris", "tidak dapat dipilih lagi")
        assert "Ditujukan kepada: Pejabat Kepala Bidang A" in told["text"]
        again = await world.tg.wait(uid, since_message_id=told["message_id"], seconds=10)
        question = again[-1]
        assert question["text"].startswith("📝") and "Ditujukan kepada?" in question["text"]
        offered = [b["text"] for row in question["buttons"] for b in row]
        assert "Pejabat Kepala Bidang B" in offered and "Pejabat Kepala Bidang A" not in offered
        assert not await _registered(world.ctx)

        await world.press("sekretaris", question, "Pejabat Kepala Bidang B")
        card = await world.tg.wait(uid, since_message_id=question["message_id"], seconds=10)
        assert "Nomor surat: 005/12/2026" in card[-1]["text"]  # kept, not asked again
        await world.press("sekretaris", card[-1], "✅ Daftarkan")
        done = await world.latest("sekretaris", "terdaftar: ")
        number = str(done["text"].split("terdaftar: ")[1].split(" ")[0])
        task = await world.task("kabid_b", number)
        assert "Ditujukan kepada: Pejabat Kepala Bidang B" in task["text"]
    finally:
        await close_world(world)


async def test_a_registrar_no_longer_allowed_when_registering_is_told_in_the_chat(
    settings: Settings, tmp_path: Path
) -> None:
    """The press is answered before registering (it may take a while), so a refusal then
    cannot be a second answer to it: it is said in the chat."""
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(LETTERS, sops / "surat.yaml")
    world = await make_world(settings.model_copy(update={"sop_dir": sops}), tmp_path)
    try:
        await world.start_bot()
        await player.register_office(world, world.ctx.sops.latest())
        asked = await _to_confirmation(world)
        me = await _official_id(world, "sekretaris")
        async with world.ctx.sessions() as session:
            seat = await session.scalar(
                select(RoleAssignment.id).where(RoleAssignment.official_id == me)
            )
        assert seat is not None
        await revoke(world.ctx, seat)
        await world.press("sekretaris", asked, "✅ Daftarkan")
        told = await world.latest("sekretaris", "tidak berwenang")
        assert told["text"] == "Anda tidak berwenang melakukan ini."
        assert not await _registered(world.ctx)
    finally:
        await close_world(world)


async def test_a_required_addressee_with_nobody_to_choose_says_so(letters: Context) -> None:
    """Nobody holds the addressee's roles yet: the question is not skipped (registering would
    then fail in general words) but refused, naming what is missing and what to do."""
    ctx = letters
    me_id = await add_official(ctx, name="Sekretaris", telegram_user_id=650)
    await assign_role(ctx, official_id=me_id, role="sekretaris")
    async with ctx.sessions() as session:
        me = await session.get(Official, me_id)
    assert me is not None
    spec = ctx.sops.get("surat_uji")
    answers: dict[str, Any] = {"sop": "surat_uji"}
    for question in intake.questions(spec):  # every answer before the addressee's
        if question.key == "f:tujuan":
            break
        if question.key is not None and question.key != "sop":
            answers[str(question.key)] = "x"
    with pytest.raises(NobodyToChoose) as refused:
        await intake.ask_next(ctx, me, answers)
    said = Renderer(ctx.settings.zone).render(
        "refusal", {"code": refused.value.code, "details": refused.value.details}
    )
    assert "«Ditujukan kepada»" in said and "/undang" in said, said
