"""A newcomer's SOP, end to end: a research permit (izin penelitian) written from sops/README.md
alone (tests/data/sop_izin_penelitian.yaml), checked, played by the demo and driven through the
emulator as its officials, a stranger and a forger would."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.config import Settings
from bot.core.sop.duration import parse_time_standard
from bot.core.sop.loader import SopFileError, load_sop, load_sop_text
from bot.services.proposals import register_proposal
from demo.player import _intake, _option
from models import Official, Proposal, Task
from tests.bot_world import World, close_world, make_world
from tests.helpers import pdf
from tests.test_dispositions_try import _forge

DATA = Path(__file__).parent / "data"
SOP = DATA / "sop_izin_penelitian.yaml"
Json = dict[str, Any]

NAMES = {
    "petugas_loket": "Lina Loket",
    "kasubbag_umum": "Umar Umum",
    "sekretaris": "Sari Sekretaris",
    "kepala_badan": "Bambang Kaban",
    "kabid_poldagri": "Dodi Poldagri",
    "kabid_ideologi": "Ika Ideologi",
}


def test_the_file_loads() -> None:
    spec = load_sop(SOP)
    assert spec.code == "izin_penelitian" and len(spec.steps) == 6


def _broken(old: str, new: str) -> str:
    """The newcomer's file with one mistake; the problems `sop check` would list."""
    text = SOP.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(SopFileError) as raised:
        load_sop_text(text.replace(old, new, 1), "izin.yaml")
    return str(raised.value)


def test_a_disposition_step_taking_its_actors_from_itself_is_refused() -> None:
    """It passed `sop check`, and every case stopped at it with no task: its tasks go to those
    it disposes to, and it has disposed to nobody yet."""
    said = _broken(
        "    actor_from: tujuan\n    time: 30 menit",
        "    actor_from: pimpinan_disposisi\n    completion: any\n    time: 30 menit",
    )
    assert "izin.yaml:101: [langkah pimpinan_disposisi] actor_from 'pimpinan_disposisi'" in said
    assert "menunjuk langkah ini sendiri" in said and "(yang ada: tujuan)" in said


def test_an_actor_from_naming_no_official_does_not_offer_the_step_itself() -> None:
    said = _broken("    actor_from: tujuan", "    actor_from: lokasi")
    assert "(yang ada: tujuan)" in said


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("2 (dua) hari kerja", "tanpa ejaan dalam kurung: '2 hari kerja'"),
        ("30 (tiga puluh) menit", "tanpa ejaan dalam kurung: '30 menit'"),
        ("2 hari kalender", "yang dihitung hanya hari kerja"),
        ("dua hari", "tulis angka (digit)"),
    ],
)
def test_a_time_written_as_letters_write_it_says_what_to_write(written: str, why: str) -> None:
    """sops/README.md names these very mistakes; the message said only 'tidak dapat membaca
    waktu' (or, for '30 (tiga puluh) menit', 'angka tanpa satuan', which it has)."""
    with pytest.raises(ValueError) as raised:
        parse_time_standard(written)
    assert why in str(raised.value)


def test_the_demo_takes_a_chosen_return_once_then_goes_on() -> None:
    """`demo --choose kepala_tandatangan=perbaiki` played the return 200 times and blamed the
    SOP ("SOP berputar?"): the return is shown once, then the step goes on."""
    spec = load_sop(SOP)
    step = spec.step("kepala_tandatangan")
    choose = {"kepala_tandatangan": "perbaiki"}
    taken = [_option(spec, step, None, choose, visit) for visit in (1, 2)]
    assert [o.key for o in taken if o] == ["perbaiki", "tandatangani"]
    # A chosen option that goes on is taken every time, as before.
    again = {"loket_periksa": "lengkap"}
    first = spec.step("loket_periksa")
    assert [o.key for v in (1, 2) if (o := _option(spec, first, None, again, v))] == [
        "lengkap",
        "lengkap",
    ]


@pytest.fixture
async def office(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(SOP, sops / SOP.name)
    world = await make_world(settings.model_copy(update={"sop_dir": sops}), tmp_path)
    try:
        await world.start_bot()
        await world.register("admin", name="Admin TI")
        for role, name in NAMES.items():
            await world.register(role, name=name)
        chat = await world.tg.create_chat(
            "Tim Kesbangpol", [world.uid("admin"), world.uid("kasubbag_umum")]
        )
        world.group = int(chat["id"])
        await world.tg.send(world.uid("admin"), "/langganan", chat_id=world.group)
        await world.tg.wait(world.group, contains="kartu status", seconds=10)
        yield world
    finally:
        await close_world(world)


async def _official(world: World, who: str) -> int:
    async with world.ctx.sessions() as session:
        found = await session.scalar(
            select(Official.id).where(Official.telegram_user_id == world.uid(who))
        )
    assert found is not None
    return int(found)


async def _open_task(world: World, step: str) -> Task:
    async with world.ctx.sessions() as session:
        found = await session.scalar(
            select(Task).where(Task.step_key == step, Task.completed_at.is_(None))
        )
    assert found is not None, step
    return found


async def _fresh_task(world: World, who: str, number: str, step: int, after: int) -> Json:
    """The task card for `step` drawn after message `after` (a step that came round again)."""
    for _ in range(100):
        card = await world.task(who, number, step=step)
        if card["message_id"] > after:
            return card
        await asyncio.sleep(0.1)
    raise AssertionError(f"no new card for step {step} in {who}'s chat")


async def _dispose(world: World, number: str) -> None:
    """The head disposes to Poldagri to act, Ideologi only informed."""
    await world.press("kepala_badan", await world.task("kepala_badan", number), "✍️ Disposisi")
    picker = await world.latest("kepala_badan", "Disposisi kepada siapa")
    await world.press("kepala_badan", picker, "☐ Dodi Poldagri")
    await world.press("kepala_badan", picker, "Proses sesuai ketentuan")
    await world.press("kepala_badan", picker, "☐ Ika Ideologi")
    await world.press("kepala_badan", picker, "Untuk diketahui")
    await world.press("kepala_badan", picker, "📨 Kirim disposisi")
    await world.task("kabid_poldagri", number, step=3)


async def _to_step_3(world: World, title: str = "Pengaruh media sosial pada pemilih pemula") -> str:
    spec = world.ctx.sops.get("izin_penelitian")
    number = await _intake(world, spec, title, None)
    await world.press("petugas_loket", await world.task("petugas_loket", number), "Lengkap")
    await _dispose(world, number)
    return number


async def test_forged_buttons_of_another_official_and_a_stale_version(office: World) -> None:
    world = office
    await _to_step_3(world)
    task = await _open_task(world, "kabid_telaah")
    t, v = task.id, task.version
    forgeries = [
        ("kabid_ideologi", f"ok:{t}:{v}", "bukan untuk Anda"),  # informed only: no task
        ("sekretaris", f"no:{t}:{v}", "bukan untuk Anda"),  # a later step's official
        ("kabid_poldagri", f"ok:{t}:{v + 3}", "sudah ditangani"),  # a stale version
        ("kepala_badan", f"dp:{t}:{v}", "bukan untuk Anda"),  # the giver, on the recipient's
    ]
    wrong = []
    for who, data, words in forgeries:
        answer = await _forge(world, who, data)
        if not answer.get("show_alert") or words not in answer.get("text", ""):
            wrong.append((who, data, answer.get("text")))
    assert not wrong
    assert (await _open_task(world, "kabid_telaah")).version == v


async def test_a_5000_character_title_is_refused_in_the_sop_s_words(office: World) -> None:
    world = office
    await world.say("petugas_loket", "/izinpenelitian")
    await world.latest("petugas_loket", "Judul penelitian")
    # Telegram takes at most 4,096 characters a message: a 5,000-character title pasted on a
    # phone arrives as two messages, the first 4,096 long.
    await world.say("petugas_loket", "J" * 4096)
    refusal = await world.latest("petugas_loket", "terlalu panjang")
    assert refusal["text"].startswith("Judul penelitian terlalu panjang: 4.096 karakter")
    await world.say("petugas_loket", "J" * 904)
    refusal = await world.latest("petugas_loket", "904 karakter")
    assert refusal["text"].startswith("Judul penelitian terlalu panjang: 904 karakter")
    await world.say("petugas_loket", "Pengaruh media sosial")
    await world.latest("petugas_loket", "Pemohon")  # the question stayed until answered


async def test_a_wrong_file_type_is_refused_and_the_step_still_waits(office: World) -> None:
    world = office
    number = await _to_step_3(world)
    who = "kabid_poldagri"
    await world.press(who, await world.task(who, number, step=3), "📎 Lampirkan")
    asked = await world.latest(who, "Kirim berkas")
    await world.send_file(who, "konsep.exe", "application/octet-stream", b"MZ\x90\x00" * 64)
    found = await world.tg.wait(
        world.uid(who), contains="", since_message_id=asked["message_id"], seconds=10
    )
    refused = found[-1]["text"]
    assert "PDF" in refused and "dilampirkan" not in refused
    answer = await world.press(who, await world.task(who, number, step=3), "✅ Setujui")
    assert answer.get("show_alert") and "Konsep surat keterangan penelitian" in answer["text"]


async def test_a_stranger_is_refused_politely(office: World) -> None:
    world = office
    user = await world.tg.create_user("Orang Asing")
    await world.tg.send(user["id"], "/izinpenelitian")
    said = await world.tg.wait(user["id"], contains="", seconds=10)
    text = said[-1]["text"]
    assert "Judul" not in text and "izin penelitian" not in text.lower()
    assert "terdaftar" in text or "undangan" in text


async def test_returned_tasks_say_who_returned_them_and_why(office: World) -> None:
    world = office
    number = await _to_step_3(world)
    who = "kabid_poldagri"
    # Taken before acting: once approved, its message loses its buttons, and a wait for "the
    # task message of step 3" would wait for the one the return has not yet caused.
    first = await world.task(who, number, step=3)
    await world.attach(who, number, "konsep-skp.pdf", step=3)
    await world.approve(who, number, step=3)
    await world.press("sekretaris", await world.task("sekretaris", number), "↩️ Kembalikan")
    await world.latest("sekretaris", "alasan")
    await world.say("sekretaris", "Lokasi penelitian belum sesuai surat pengantar")
    again = await world.tg.wait(
        world.uid(who), contains="Dikembalikan", since_message_id=first["message_id"]
    )
    back = again[-1]["text"]
    head = back.splitlines()[:4]
    assert head[0] == "↩️ Dikembalikan kepada Anda", back
    assert "Sari Sekretaris" in head[1] and "Periksa dan paraf konsep" in head[1]
    assert head[2] == "Alasan: Lokasi penelitian belum sesuai surat pengantar"
    # Once more, through the head's decision that sends it back for correction.
    paraf = await world.task("sekretaris", number, step=4)
    # The corrected draft is asked again (the card says ✗ … (unggah)), then it goes on.
    assert "✗ Konsep surat keterangan penelitian" in back
    await world.attach(who, number, "konsep-skp-perbaikan.pdf", step=3)
    await world.approve(who, number, step=3)
    paraf = await _fresh_task(world, "sekretaris", number, 4, paraf["message_id"])
    await world.press("sekretaris", paraf, "✅ Setujui")
    second = again[-1]  # the returned task: the next return comes after it
    task = await world.task("kepala_badan", number, step=5)
    await world.press("kepala_badan", task, "Kembalikan untuk perbaikan")
    await world.latest("kepala_badan", "alasan")
    await world.say("kepala_badan", "Tembusan ke Bupati belum ada")
    again = await world.tg.wait(
        world.uid(who), contains="Dikembalikan", since_message_id=second["message_id"]
    )
    back = again[-1]["text"]
    assert "Bambang Kaban" in back and "Tembusan ke Bupati belum ada" in back, back
    assert "Tugas baru" not in back


SECRET = "Peta kerawanan konflik sosial antar desa"


async def test_a_restricted_case_keeps_its_title_out_of_the_group(office: World) -> None:
    world = office
    group = world.group
    assert group is not None
    kaban = await _official(world, "kepala_badan")
    reg = await register_proposal(
        world.ctx,
        by=await _official(world, "petugas_loket"),
        sop_code="izin_penelitian",
        title=SECRET,
        origin="Universitas Contoh",
        document=pdf("permohonan.pdf"),
        fields={
            "nomor_surat": "UN/123/2026",
            "tanggal_surat": "2026-12-01",
            "jenis": "Tesis",
            "lokasi": "Kecamatan Rawan",
            "tujuan": {"id": kaban, "name": "Bambang Kaban", "role": "kepala_badan"},
            "classification": "rahasia",
        },
    )
    number = reg.number
    await world.press("petugas_loket", await world.task("petugas_loket", number), "Lengkap")
    await _dispose(world, number)
    who = "kabid_poldagri"
    await world.attach(who, number, "konsep.pdf", step=3)
    await world.approve(who, number, step=3)
    await world.approve("sekretaris", number, step=4)
    task = await world.task("kepala_badan", number, step=5)
    await world.press("kepala_badan", task, "Tolak permohonan")
    await world.latest("kepala_badan", "alasan")
    await world.say("kepala_badan", "Lokasi rawan")
    await world.latest("petugas_loket", "selesai")
    asked = (f"/status {number}", f"/riwayat {number}", "/cari kerawanan", f"/cari {number}")
    for command in asked:
        await world.tg.send(world.uid("kasubbag_umum"), command, chat_id=group)
    await asyncio.sleep(2.0)
    said = [m["text"] for m in await world.tg.messages(group) if m["from_bot"]]
    assert any(number in t for t in said)
    # A Rahasia letter was called "terbatas" in the group: the name of another level.
    assert not [t for t in said if "terbatas" in t.lower()], said
    echo = "Tidak ada izin penelitian yang cocok dengan «kerawanan»."  # the searcher's own word
    told = [t for t in said if t != echo]
    leaks = [t for t in told if any(w in t for w in ("erawanan", "Kecamatan Rawan", "UN/123"))]
    assert not leaks


async def test_each_participant_s_tugas_status_riwayat_cari(office: World) -> None:
    world = office
    number = await _to_step_3(world, "Partisipasi politik perempuan desa")
    async with world.ctx.sessions() as session:
        proposal = await session.scalar(select(Proposal).where(Proposal.number == number))
    assert proposal is not None
    answers: dict[str, dict[str, str]] = {}
    for who in NAMES:
        answers[who] = {}
        for command in ("/tugas", f"/status {number}", f"/riwayat {number}", "/cari politik"):
            before = await world.tg.messages(world.uid(who))
            await world.say(who, command)
            found = await world.tg.wait(
                world.uid(who),
                contains="",
                since_message_id=before[-1]["message_id"] if before else 0,
                seconds=10,
            )
            answers[who][command.split()[0]] = found[-1]["text"]
    bad = []
    for who, said in answers.items():
        for command, text in said.items():
            for word in ("usulan", "Usulan", "kerja sama", "Kerja sama", "None", "kabid_telaah"):
                if word in text:
                    bad.append((who, command, word, text[:200]))
    assert not bad
    # Poldagri has the task; Ideologi (only informed) has none but may read the case.
    assert number in answers["kabid_poldagri"]["/tugas"]
    assert number not in answers["kabid_ideologi"]["/tugas"]
    assert "Partisipasi politik" in answers["kabid_ideologi"]["/status"]
    # The head oversees; the registrar registered it: both see it.
    for who in ("kepala_badan", "sekretaris", "petugas_loket"):
        assert "Partisipasi politik" in answers[who]["/status"], (who, answers[who]["/status"])
    # Kasubbag Umum had no part in it: told the same as for a case that does not exist.
    assert "Partisipasi politik" not in answers["kasubbag_umum"]["/status"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [("on_approve: {to:", "on_aprove: {to:"), ("label: Lengkap", "lable: Lengkap")],
)
def test_a_misspelt_key_is_one_problem_not_two(written: str, meant: str) -> None:
    """A required key written wrong is told once, as unknown with its right spelling: not
    again as missing, nor as a step with no way out and the steps that cuts off."""
    text = SOP.read_text(encoding="utf-8")
    assert written in text
    with pytest.raises(SopFileError) as refused:
        load_sop_text(text.replace(written, meant, 1), "izin.yaml")
    problems = refused.value.problems
    assert len(problems) == 1, [p.message for p in problems]
    assert "maksudnya" in problems[0].message


def test_the_demo_plays_a_plain_step_s_return_once(capsys: pytest.CaptureFixture[str]) -> None:
    """`--choose STEP=on_reject`: the paraf step sends the draft back once, then approves."""
    from tests.test_demo_sop import play

    result = play(capsys, SOP, "sekretaris_paraf=on_reject")
    assert result["outcome_key"] == "diterbitkan"
    said = [s["text"] for e in result["entries"] for s in e["shown"]]
    assert any(t.startswith("↩️ Dikembalikan kepada Anda") for t in said)
