"""sops/permohonan_informasi.yaml, a public-information request under UU 14/2008 with time
standards in working days, played to each of its outcomes through the emulator (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.sop.loader import load_sop
from tests.test_demo import no_environment  # noqa: F401  (the fixture, autouse)
from tests.test_demo_sop import play

SOP = Path(__file__).parents[1] / "sops" / "permohonan_informasi.yaml"


@pytest.mark.parametrize(
    ("choose", "outcome", "steps"),
    [
        ((), "diberikan", [1, 2, 3, 5]),
        (("siapkan=perpanjang",), "diberikan", [1, 2, 3, 4, 5]),
        (("periksa_permohonan=tidak_lengkap",), "dikembalikan", [1]),
        (("putuskan=tidak_dikuasai",), "tidak_dikuasai", [1, 2]),
        (("putuskan=dikecualikan",), "ditolak", [1, 2]),
    ],
)
def test_each_outcome_is_reached(
    capsys: pytest.CaptureFixture[str], choose: tuple[str, ...], outcome: str, steps: list[int]
) -> None:
    result = play(capsys, SOP, *choose)
    assert result["outcome_key"] == outcome
    assert [s["number"] for s in result["steps"]] == steps
    said = [s["text"] for e in result["entries"] for s in e["shown"]]
    assert any(t.startswith("✅ Permohonan informasi terdaftar: 0001/PPID/") for t in said)
    assert any("Cara memperoleh informasi: Melihat/membaca" in t for t in said)


def test_the_preparation_is_due_seven_working_days_after_receipt(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Registered Monday 23 Nov 2026 08:00: the unit's task starts then (the demo's steps take
    no time), and is due at closing on the 7th working day after: Wednesday 2 Dec, 16:00."""
    result = play(capsys, SOP)
    task = next(
        t
        for e in result["entries"]
        for s in e["shown"]
        if (t := s["text"]).startswith("📥") and "Siapkan informasi" in t
    )
    assert "Batas waktu: Rab, 2 Des 2026 16:00 WIB" in task, task
    assert load_sop(SOP).step("siapkan").time.target_days == 7
