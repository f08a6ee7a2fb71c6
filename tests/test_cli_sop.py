"""The acceptance commands for SOP files, as an operator types them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.paths import data_dir
from bot.tools.cli import main

SEED = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"


def test_check_accepts_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sop", "check", str(SEED)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0  # one line
    assert "OK" in out and "11 langkah" in out


def test_check_names_the_step_the_role_and_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if "actors: [kabag_ks]" in line)
    lines[number] = lines[number].replace("kabag_ks", "kabag_humas")
    broken = tmp_path / "rusak.yaml"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["sop", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    problem = next(line for line in err.splitlines() if "kabag_humas" in line)
    assert f"{broken}:{number + 1}:" in problem
    assert "kabag_perintah_persiapan" in problem  # the step


def test_check_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sop", "check", str(tmp_path / "tidak_ada.yaml")]) == 1
    assert "tidak_ada.yaml" in capsys.readouterr().err


def test_show_prints_every_step_then_a_flowchart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sop", "show", str(SEED)]) == 0
    out = capsys.readouterr().out
    table, chart = out.split("flowchart TD", 1)
    for title in ("Kepala Biro Pemerintahan", "Gubernur", "Pengadministrasi Umum", "30-60"):
        assert title in table
    rows = [line for line in table.splitlines() if line[:3].strip().isdigit()]
    assert [int(r[:3]) for r in rows] == list(range(1, 12))
    assert "([" in chart and "{" in chart  # terminators and decisions


def test_the_console_script_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sop", "check", str(SEED)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_number_format_without_sequence_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SEED.read_text(encoding="utf-8").replace(
        "  origin_role: perangkat_daerah\n",
        '  origin_role: perangkat_daerah\n  number_format: "KS/{year}"\n',
    )
    broken = tmp_path / "nomor.yaml"
    broken.write_text(text, encoding="utf-8")
    assert main(["sop", "check", str(broken)]) == 1
    assert "number_format" in capsys.readouterr().err


def _seed_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert old in text, old
    broken = tmp_path / "rusak.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    return broken


# A newcomer's mistakes in the seed, as `sop check` tells them: the cause on the first line,
# nothing after it but what it needs (a quoted line) and the count.
@pytest.mark.parametrize(
    ("old", "new", "lines", "first"),
    [
        (
            "on_approve: {to: kabag_perintah_persiapan}",
            "on_approve: {to: kabag_perintah_persiapn}",
            2,
            "langkah tujuan 'kabag_perintah_persiapn' tidak ada (maksudnya "
            "'kabag_perintah_persiapan'?) — akibatnya 10 langkah tidak dapat dicapai: "
            "kabag_perintah_persiapan, kasubbag_persiapan, analis_telaah, kasubbag_koreksi "
            "dan 6 lainnya",
        ),
        (
            "key: kasubbag_persiapan",
            "key: kabag_perintah_persiapan",
            3,
            "; mungkin seharusnya 'kasubbag_persiapan', yang dirujuk tetapi tidak ada) — "
            "akibatnya 8 langkah tidak dapat dicapai",
        ),
        ("actors: [kabag_ks]", "actors: [kabag_ks", 4, "YAML tidak sah: '[' dibuka di sini"),
        ("time: 5 menit", "time: -3 menit", 2, "'-3 menit' — waktu tidak boleh negatif"),
    ],
)
def test_check_tells_the_cause_first(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    lines: int,
    first: str,
) -> None:
    broken = _seed_with(tmp_path, old, new)
    assert main(["sop", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    said = err.splitlines()
    assert len(said) == lines, err
    assert first in said[0]
    assert said[-1].endswith("masalah")
    assert not any("tidak dapat dicapai dari langkah pertama" in line for line in said)
