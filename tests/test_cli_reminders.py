"""`disposisi reminders simulate`: the acceptance walk through a Friday afternoon and a long
weekend, as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.tools.cli import main


@pytest.fixture
def long_weekend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Monday 30 Nov 2026 closed by a local decision, so Friday's office reopens on Tuesday."""
    overrides = tmp_path / "kalender.yaml"
    overrides.write_text("- {date: 2026-11-30, closed: true, reason: Cuti bersama daerah}\n")
    monkeypatch.setenv("CALENDAR_OVERRIDES", str(overrides))
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_a_friday_afternoon_and_a_long_weekend(
    long_weekend: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reminders", "simulate", "--from", "2026-11-27 14:00", "--days", "3.8"]) == 0
    lines = capsys.readouterr().out.splitlines()
    walk = [line for line in lines if "WIB  " in line or "· libur" in line]
    assert walk == [
        "Jum, 27 Nov 2026 14:05 WIB  ⏰ pengingat #1 (halus) → Kepala Biro Pemerintahan",
        "Jum, 27 Nov 2026 15:05 WIB  ⏰ pengingat #2 (tegas) → Kepala Biro Pemerintahan; "
        "lewat 1 jam",
        "Jum, 27 Nov 2026 16:05 WIB  🔺 atasan diberi tahu → Asisten I (Pemerintahan)",
        "Jum, 27 Nov 2026 16:05 WIB  ⏰ pengingat #3 (tegas) → Kepala Biro Pemerintahan; "
        "lewat 2 jam",
        "Jum, 27 Nov 2026 16:30 WIB  · kantor tutup",
        "Sabtu, 28 Nov 2026  · libur",
        "Minggu, 29 Nov 2026  · libur",
        "Senin, 30 Nov 2026  · libur: Cuti bersama daerah",
        "Sel, 1 Des 2026 07:30 WIB  · kantor buka",
        "Sel, 1 Des 2026 07:30 WIB  ☀️ ringkasan pagi → grup tim",
        "Sel, 1 Des 2026 08:05 WIB  ⏰ pengingat #4 (tegas) → Kepala Biro Pemerintahan; "
        "lewat 3 jam",
        "Sel, 1 Des 2026 09:05 WIB  ⏰ pengingat #5 (tegas) → Kepala Biro Pemerintahan; "
        "lewat 4 jam",
    ]


def test_the_walk_as_json(long_weekend: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["reminders", "simulate", "--from", "2026-11-27 16:00", "--days", "1", "--json"]
    assert main(args) == 0
    walked = json.loads(capsys.readouterr().out)
    assert walked["policy"] == {"enabled": True, "repeat_minutes": 60, "escalate_after": 2}
    kinds = [(e["kind"], e["at"]) for e in walked["entries"]]
    assert kinds[:2] == [("task_nudge", "2026-11-27T09:05:00+00:00"), ("closes", kinds[1][1])]
    assert ("day_off", "2026-11-28") in kinds


def test_bad_arguments_are_named(long_weekend: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "simulate", "--from", "kemarin"]) == 2
    assert "--from" in capsys.readouterr().err
    assert main(["reminders", "simulate", "--from", "2026-11-27 14:00", "--sop", "tidak_ada"]) == 2
    assert "tidak_ada" in capsys.readouterr().err


def test_a_step_in_working_days_is_reminded_after_its_closing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The leave SOP with its first step at "1 hari kerja", entered Friday 15:50: due Monday at
    closing, so the first reminder goes at Tuesday's opening, late by no working time."""
    sops = tmp_path / "sops"
    sops.mkdir()
    leave = (Path(__file__).parent / "data" / "sop_cuti.yaml").read_text(encoding="utf-8")
    (sops / "cuti.yaml").write_text(leave.replace("time: 1 menit", "time: 1 hari kerja", 1))
    monkeypatch.setenv("SOP_DIR", str(sops))
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert main(["reminders", "simulate", "--from", "2026-11-27 15:50", "--days", "3.7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Batas waktu: Sen, 30 Nov 2026 16:00 WIB" in lines
    reminded = [line for line in lines if "⏰" in line]
    assert reminded[0] == "Sel, 1 Des 2026 07:30 WIB  ⏰ pengingat #1 (halus) → Atasan Langsung"
