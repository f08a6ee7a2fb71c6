"""What an SOP file says is fingerprinted (not how it is written), and the folder of SOPs must
hold some: a bot with none would start and then refuse everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.paths import data_dir
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.core.sop.registry import SopRegistry

SEED = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"
TEXT = SEED.read_text(encoding="utf-8")
RENAMED = TEXT.replace("tkksd_bahas", "tkksd_rapat")  # a step key, renamed everywhere
# Nothing an SOP says: comments, blank lines, quoting and flow style.
_RESTYLED = (
    TEXT.replace('version: "2020.1"', "version: '2020.1'   # versi yang berlaku")
    .replace("on_approve: {to: tkksd_bahas}", "on_approve:\n      to: tkksd_bahas")
    .replace("\nsteps:\n", "\n\n# Langkah-langkah\nsteps:\n")
)
COMMENTED = "# Disalin dari SOP/1/2020; lihat catatan di bawah.\n\n" + _RESTYLED
# Only wording: a step's title and activity, an option's label, what a case is called.
REWORDED = (
    TEXT.replace("title: Telaah KAK/FS", "title: Telaah dokumen")
    .replace("Menelaah, menganalisa dan mempelajari", "Menelaah dan mempelajari")
    .replace("label: Tolak", "label: Tolak usulan")
    .replace("case: {noun: usulan, command: usulan}", "case: {noun: usulan kerja sama}")
    # How intake asks for the title and the origin (sops/README.md: "any other title").
    .replace("  origin_label: Asal usulan", "  title_label: Perihal\n  origin_label: Asal")
)

# -- the fingerprint -------------------------------------------------------------------------


def test_the_fingerprint_is_of_what_the_file_says_not_how() -> None:
    seed = load_sop_text(TEXT, "a.yaml")
    assert len(seed.fingerprint) == 64 and seed.source == TEXT
    assert load_sop_text(COMMENTED, "b.yaml").fingerprint == seed.fingerprint
    assert load_sop_text(RENAMED, "c.yaml").fingerprint != seed.fingerprint


def test_rewording_keeps_the_fingerprint_and_a_role_keyed_title_is_content() -> None:
    seed = load_sop_text(TEXT, "a.yaml")
    assert REWORDED != TEXT and load_sop_text(REWORDED, "b.yaml").fingerprint == seed.fingerprint
    # A key that happens to be "title" (here a role) is structure, not wording.
    with_role = TEXT.replace("roles:\n", "roles:\n  title: {title: Juru tulis}\n", 1)
    assert load_sop_text(with_role, "c.yaml").fingerprint != seed.fingerprint
    # So is a time standard: it sets the due time of the next case.
    retimed = TEXT.replace("time: 5 menit", "time: 10 menit", 1)
    assert load_sop_text(retimed, "d.yaml").fingerprint != seed.fingerprint


# -- the folder ------------------------------------------------------------------------------


def test_a_missing_empty_or_file_sop_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kosong").mkdir()
    (tmp_path / "berkas.yaml").write_text(TEXT, encoding="utf-8")
    for name, said in [
        ("tidak_ada", "folder SOP tidak ada"),
        ("kosong", "tidak ada berkas *.yaml"),
        ("berkas.yaml", "bukan folder"),
    ]:
        with pytest.raises(SopFileError) as refused:
            SopRegistry(tmp_path / name)
        [problem] = refused.value.problems
        assert problem.file == str(tmp_path / name) and said in problem.message
