"""The SOP format's schedule of the compliance report (`monitoring.schedule`, `monitoring.to`)."""

from __future__ import annotations

import pytest

from bot.core.paths import data_dir
from bot.core.sop.loader import SopFileError, load_sop_text

SEED = "kerjasama_pihak_ketiga.yaml"


SEED_TEXT = (data_dir("sops") / SEED).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("block", "line", "said"),
    [
        ("monitoring:\n  schedule: mingguan\n  to: [karo]\n", 2, "schedule 'mingguan'"),
        ("monitoring:\n  schedule: bulanan\n  to: [kro]\n", 3, "peran tidak dikenal 'kro'"),
        ("monitoring:\n  schedule: bulanan\n", 2, "schedule tanpa to"),
        ("monitoring:\n  to: [karo]\n", 2, "to tanpa schedule"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_file_and_line(block: str, line: int, said: str) -> None:
    first = SEED_TEXT.count("\n") + 1  # the line `monitoring:` is written on
    with pytest.raises(SopFileError) as refused:
        load_sop_text(SEED_TEXT + block, "sops/ks.yaml")
    [problem] = refused.value.problems
    assert problem.file == "sops/ks.yaml"
    assert problem.line == first + line - 1
    assert said in problem.message and problem.message.startswith("monitoring")


@pytest.mark.parametrize(
    ("written", "meant"),
    [("bulanan", "bulanan"), ("monthly", "bulanan"), ("Semester", "semester")],
)
def test_a_schedule_in_either_language_and_out_of_the_fingerprint(written: str, meant: str) -> None:
    spec = load_sop_text(SEED_TEXT + f"monitoring: {{schedule: {written}, to: [karo]}}\n")
    assert (spec.monitoring.schedule, spec.monitoring.to) == (meant, ("karo",))
    assert spec.fingerprint == load_sop_text(SEED_TEXT).fingerprint
