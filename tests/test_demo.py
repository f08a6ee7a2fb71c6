"""`disposisi demo`: the whole seed SOP on the built-in emulator, no token, one process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.sop.registry import SopRegistry
from bot.tools.cli import main

START = ["--start", "2026-11-23 08:00"]


@pytest.fixture(autouse=True)
def no_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env; the demo needs no configuration at all
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "SOP_DIR"):
        monkeypatch.delenv(name, raising=False)


def demo_json(capsys: pytest.CaptureFixture[str], path: str) -> dict[str, Any]:
    assert main(["demo", "--json", "--path", path, *START]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def shown_to(result: dict[str, Any], name: str) -> list[str]:
    return [s["text"] for e in result["entries"] for s in e["shown"] if s["chat"].startswith(name)]


def test_the_fs_path_visits_all_eleven_steps_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    result = demo_json(capsys, "fs")
    spec = SopRegistry().get("kerjasama_pihak_ketiga")
    assert [s["number"] for s in result["steps"]] == list(range(1, 12))
    assert [s["actors"] for s in result["steps"]] == [
        [spec.roles[r].title for r in step.actors] for step in spec.steps
    ]
    assert result["outcome"] == "Surat dikirim dan diarsipkan"
    assert all(s["done_by"] for s in result["steps"])
    # What the demo promises to show: both analysts, a forward, an upload, a download, a nudge.
    acts = [(e["who"], e["what"], e["detail"]) for e in result["entries"]]
    assert ("Rina Marlina (Kepala Bagian Kerja Sama)", "tap", "👥 Teruskan") in acts
    assert sorted(s["done_by"] for s in result["steps"] if s["number"] == 4) == [
        ["Fitri Handayani", "Doni Saputra"]
    ]
    assert any(what == "file" and "telaah" in detail for _, what, detail in acts)
    assert any(t.startswith("⏰ Pengingat") for t in shown_to(result, "Doni Saputra"))
    late = [s for s in result["steps"] if not s["within"]]
    assert [s["number"] for s in late] == [4]
    # The download the Head of Subdivision taps, and the letter drafts of steps 8 and 10.
    drafts = [s for e in result["entries"] for s in e["shown"] if s["document"]]
    assert [d["document"] for d in drafts if d["document"].endswith(".docx")] == [
        "Konsep surat usulan 0001-KS-2026.docx",
        "Surat usulan 0001-KS-2026.docx",
    ]
    assert result["messages"]["sendDocument"] == 3
    # Counted from the story's start: every message the tape shows, and no registration.
    new = sum(not s["edited"] for e in result["entries"] for s in e["shown"] if not s["document"])
    assert result["messages"]["sendMessage"] >= new > 30


def test_each_message_is_told_under_the_act_that_caused_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = demo_json(capsys, "fs")["entries"]

    def under(who: str, detail: str) -> list[str]:
        entry = next(e for e in entries if e["who"].startswith(who) and e["detail"] == detail)
        return [f"{s['chat'].split(' (')[0]}: {s['text'].splitlines()[0]}" for s in entry["shown"]]

    first_approval = under("Agus Salim", "✅ Setujui")
    assert "Rina Marlina: 📥 Tugas baru" in first_approval  # the next step, at once
    reminder = next(e for e in entries if e["what"] == "clock" and e["detail"] == "16")
    told = {s["chat"].split(" (")[0]: s for s in reminder["shown"]}
    assert set(told) == {"Doni Saputra", "Tim Kerja Sama"}
    assert told["Doni Saputra"]["text"].startswith("⏰ Pengingat")
    assert told["Tim Kerja Sama"]["edited"] and "⚠️ terlambat" in told["Tim Kerja Sama"]["text"]


def test_an_operators_own_sop_folder_does_not_change_the_demo(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "sop_cuti.yaml", sops / "cuti.yaml")
    monkeypatch.setenv("SOP_DIR", str(sops))
    monkeypatch.setenv("NUDGE_REPEAT", "5")
    result = demo_json(capsys, "rejected")
    assert result["sop"] == "kerjasama_pihak_ketiga v2020.1"
    assert result["outcome"] == "Dikembalikan ke Perangkat Daerah"


def test_the_rejected_path_ends_with_the_proposal_back_at_the_agency(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = demo_json(capsys, "rejected")
    assert result["outcome"] == "Dikembalikan ke Perangkat Daerah"
    assert [s["number"] for s in result["steps"]][-1] == 8
    closed = [t for t in shown_to(result, "Joko Susilo") if "Usulan selesai" in t]
    assert closed and "Dikembalikan ke Perangkat Daerah" in closed[-1]


def test_the_kak_path_tells_the_agency_and_sends_the_letter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = demo_json(capsys, "kak")
    assert result["outcome"] == "Surat dikirim dan diarsipkan"
    assert any("Kabar usulan" in t for t in shown_to(result, "Joko Susilo"))


def test_the_text_transcript_reads_as_a_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", *START]) == 0
    out = capsys.readouterr().out
    assert out.startswith("🎬 Demo Disposisi Bot")
    assert "[08:00] Siti Aminah (Pengadministrasi Umum) menulis: /usulan" in out
    assert "menekan «✅ Setujui»" in out and "⏩ 16 menit kerja kemudian" in out
    assert "📊 Ringkasan — 0001/KS/2026: Surat dikirim dan diarsipkan" in out
    assert "<b>" not in out  # a terminal, not Telegram


def test_a_bad_start_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--start", "besok pagi"]) == 2
    assert "--start" in capsys.readouterr().err
