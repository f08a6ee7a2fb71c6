"""`disposisi demo --sop FILE [--choose STEP=OPTION]...`: any SOP file played from intake to an
outcome through the emulator and the real bot (issue 13). The SOPs below each lack one of the
fields the format calls optional, so each is proven optional by a case run to its end."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings
from bot.tools.cli import main
from demo.playground import start_playground
from tests.test_demo import START, no_environment  # noqa: F401  (the fixture, autouse)
from tests.test_intake_optional import BARE
from tests.test_letter_templates import GOOD, _leave_sop, text_of
from tests.test_playground import MONDAY_0800
from tests.test_sop_words import LETTERS

SEED = Path(__file__).parents[1] / "sops" / "kerjasama_pihak_ketiga.yaml"
LEAVE = Path(__file__).parent / "data" / "sop_cuti.yaml"

# BARE has no kinds, no origin role, no documents, no decision. The variants below take away
# more, or add what the format allows: a step without a time standard, an early terminal.
NO_TIME = BARE.replace("time: 10 menit", "time: null")
TWO_STEPS_EARLY_END = BARE.replace(
    "    on_approve: {end: selesai}\n",
    """    decision:
      question: Perlu dibalas?
      options:
        - {key: arsip, label: Arsipkan saja, end: diarsipkan}
        - {key: balas, label: Balas, to: balas}
  - key: balas
    number: 2
    activity: Menyiapkan balasan
    title: Balas surat
    actors: [sekretaris]
    time: 1 jam
    on_approve: {end: selesai}
""",
).replace(
    "  selesai: {title: Selesai}", "  selesai: {title: Selesai}\n  diarsipkan: {title: Diarsipkan}"
)


def play(
    capsys: pytest.CaptureFixture[str], file: Path, *choose: str, code: int = 0
) -> dict[str, Any]:
    args = ["demo", "--json", "--sop", str(file), *START]
    for given in choose:
        args += ["--choose", given]
    assert main(args) == code
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def write(tmp_path: Path, name: str, text: str) -> Path:
    file = tmp_path / f"{name}.yaml"
    file.write_text(text, encoding="utf-8")
    return file


@pytest.mark.parametrize(
    ("text", "choose", "outcome", "steps"),
    [
        (BARE, (), "selesai", [1]),
        (NO_TIME, (), "selesai", [1]),
        (TWO_STEPS_EARLY_END, ("baca=arsip",), "diarsipkan", [1]),
        (TWO_STEPS_EARLY_END, ("baca=balas",), "selesai", [1, 2]),
    ],
    ids=["bare", "no-time", "early-end", "late-end"],
)
def test_an_sop_without_optional_fields_reaches_its_outcome(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    text: str,
    choose: tuple[str, ...],
    outcome: str,
    steps: list[int],
) -> None:
    result = play(capsys, write(tmp_path, "sop", text), *choose)
    assert result["outcome_key"] == outcome
    assert [s["number"] for s in result["steps"]] == steps
    said = [s["text"] for e in result["entries"] for s in e["shown"]]
    assert any(t.startswith("✅ Pengajuan terdaftar: 0001/SM/") for t in said)  # neutral noun
    assert not any("usulan" in t.lower() for t in said)  # no word of the seed SOP


def test_the_leave_sop_reaches_both_outcomes(capsys: pytest.CaptureFixture[str]) -> None:
    assert play(capsys, LEAVE)["outcome_key"] == "disetujui"
    refused = play(capsys, LEAVE, "atasan_periksa=tolak")
    assert refused["outcome_key"] == "ditolak" and refused["outcome"] == "Cuti ditolak"
    assert refused["verdict"] == "ditolak"


def test_the_seed_played_from_its_file_reaches_every_outcome(
    capsys: pytest.CaptureFixture[str],
) -> None:
    back = play(capsys, SEED, "tkksd_bahas=tidak_setuju")
    assert back["outcome_key"] == "dikembalikan" and len(back["steps"]) == 8
    fs = play(capsys, SEED, "tkksd_bahas=setuju_fs")  # an FS is registered for this option
    assert fs["outcome_key"] == "selesai" and len(fs["steps"]) == 11
    assert any("(FS)" in s["text"] for e in fs["entries"] for s in e["shown"])


@pytest.mark.parametrize(
    ("choose", "said"),
    [
        ("baca=terbang", "pilihan tidak ada (pilihan: arsip, balas)"),
        ("balas=arsip", "balas: bukan langkah keputusan (langkah keputusan: baca; mengembalikan"),
        ("baca", "tulis LANGKAH=PILIHAN"),
    ],
)
def test_a_choice_the_file_does_not_have_is_refused_before_playing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, choose: str, said: str
) -> None:
    file = write(tmp_path, "sop", TWO_STEPS_EARLY_END)
    assert main(["demo", "--sop", str(file), "--choose", choose]) == 2
    captured = capsys.readouterr()
    assert said in captured.err and captured.out == ""


def test_a_broken_file_is_listed_not_played(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = write(
        tmp_path, "sop", BARE.replace("to: selesai", "to: x").replace("end: selesai", "end: tamat")
    )
    assert main(["demo", "--sop", str(file)]) == 2
    captured = capsys.readouterr()
    assert "tamat" in captured.err and "Traceback" not in captured.err


async def test_the_playground_serves_the_sop_file_it_is_given(
    settings: Settings, tmp_path: Path
) -> None:
    """`playground --sop FILE`: an official per role of that SOP, and /baru registers in it."""
    file = write(tmp_path, "surat", LETTERS)
    running = await start_playground(settings, start=MONDAY_0800, sop_file=file)
    try:
        world = running.world
        assert set(world.users) == {"admin", "sekretaris", "kepala"}
        assert [s.code for s in world.ctx.sops.latest()] == ["surat_masuk"]
        await world.say("sekretaris", "/suratmasuk")
        asked = await world.latest("sekretaris", "📝")
        assert asked["text"].startswith("📝 Surat masuk baru")
    finally:
        await running.stop()


def test_the_summary_counts_the_files_the_officials_sent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The letter and its attachment are uploaded at intake, and the bot sends no file back: the
    summary says so, where it used to say "0 berkas" as if nothing had been sent."""
    letters = Path(__file__).parent / "data" / "sop_surat_uji.yaml"
    result = play(capsys, letters)
    sent = [e["detail"] for e in result["entries"] if e["what"] == "file"]
    assert len(sent) >= 2 and result["documents"] == len(sent)
    assert main(["demo", "--sop", str(letters), *START]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert f"berkas: {len(sent)} diunggah, {result['messages']['sendDocument']} dikirim" in summary


LETTER = "{template: surat/izin.docx, document: surat_izin}"


async def test_an_sop_with_its_own_letter_template_is_played_and_served(
    capsys: pytest.CaptureFixture[str], settings: Settings, tmp_path: Path
) -> None:
    """The template beside the file (sops/README.md, `letter`) goes with it into the demo's
    folder: it was left behind, and the demo refused the file `sop check` had passed."""
    file = _leave_sop(tmp_path, LETTER, GOOD)
    result = await asyncio.to_thread(play, capsys, file)
    assert result["outcome_key"] == "disetujui"
    said = [s["text"] for e in result["entries"] for s in e["shown"]]
    assert any(t.startswith("📝 Draf «Surat izin cuti»") for t in said), said
    running = await start_playground(settings, start=MONDAY_0800, sop_file=file)
    try:
        [spec] = running.world.ctx.sops.latest()
        letter = spec.step("kepegawaian_terbitkan").letter
        assert letter is not None and "Surat izin cuti {{ case.number }}" in text_of(letter.content)
    finally:
        await running.stop()


@pytest.mark.parametrize("command", ["demo", "playground"])
def test_a_letter_template_outside_the_sop_folder_is_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    (tmp_path / "sop").mkdir()
    file = _leave_sop(tmp_path / "sop", "{template: ../surat/izin.docx, document: surat_izin}")
    (tmp_path / "surat").mkdir()
    (tmp_path / "surat" / "izin.docx").write_bytes(GOOD)  # found by the loader, one folder up
    served: list[object] = []

    async def serve(*args: object) -> None:  # the playground would serve until Ctrl-C
        served.append(args)

    monkeypatch.setattr("demo.playground.serve", serve)
    assert main([command, "--sop", str(file)]) == 2
    said = capsys.readouterr().err
    assert f"{file}:" in said and "templat surat '../surat/izin.docx' harus di folder" in said
    assert served == []
