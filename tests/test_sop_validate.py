"""Each semantic check, triggered by a small broken SOP, names the right line and step."""

from pathlib import Path

import pytest

from bot.core.sop.loader import SopFileError, SopProblem, load_sop, load_sop_text
from bot.core.sop.validate import validate

BASE = """\
code: mini
version: "1"
header:
  institution: Kantor Uji
  number: "1/SOP/2024"
  name: SOP Uji
kinds:
  A: {title: Jenis A}
  B: {title: Jenis B}
roles:
  staf: {title: Staf, superior: kepala}
  kepala: {title: Kepala}
documents:
  berkas: {title: Berkas}
  sk: {title: Surat Keputusan}
intake:
  registrars: [staf]
  document: berkas
  origin_role: staf
outcomes:
  selesai: {title: Selesai, notify: [staf]}
  ditolak: {title: Ditolak}
steps:
  - key: periksa
    number: 1
    activity: Memeriksa berkas
    actors: [staf]
    requires:
      - {document: berkas}
    time: 5 menit
    on_approve: {to: putus}
  - key: putus
    number: 2
    activity: Memutuskan
    actors: [kepala]
    time: 10 menit
    decision:
      question: Setuju?
      options:
        - key: ya
          label: Ya
          requires:
            - {document: sk, upload: true}
          to: arsip
        - key: tidak
          label: Tidak
          end: ditolak
  - key: arsip
    number: 3
    activity: Mengarsipkan
    actors: [staf]
    requires:
      - {document: sk}
    time: null
    on_approve: {end: selesai}
"""


def test_the_base_is_valid(tmp_path: Path) -> None:
    spec = load_sop_text(BASE)
    assert validate(spec) == []


def broken(tmp_path: Path, *edits: tuple[str, str]) -> tuple[list[SopProblem], list[str]]:
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SopFileError) as info:
        load_sop(path)
    for problem in info.value.problems:
        assert problem.file == str(path)
    return info.value.problems, text.splitlines()


def line(lines: list[str], fragment: str, nth: int = 0) -> int:
    found = [i for i, text in enumerate(lines, 1) if fragment in text]
    return found[nth]


def has(problems: list[SopProblem], at: int | None, step: str | None, fragment: str) -> bool:
    return any(p.line == at and p.step == step and fragment in p.message for p in problems)


def test_unknown_role_in_actors(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("actors: [kepala]", "actors: [kepla]"))
    assert has(
        problems,
        line(lines, "[kepla]"),
        "putus",
        "peran tidak dikenal 'kepla' (maksudnya 'kepala'?)",
    )


def test_unknown_role_as_superior(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("superior: kepala", "superior: bos"))
    assert has(problems, line(lines, "superior: bos"), None, "peran tidak dikenal 'bos'")


def test_unknown_role_in_notify_and_intake(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path,
        ("notify: [staf]", "notify: [pemohon]"),
        ("registrars: [staf]", "registrars: [loket]"),
        ("origin_role: staf", "origin_role: dinas"),
        ("          end: ditolak", "          end: ditolak\n          notify: [humas]"),
    )
    assert has(problems, line(lines, "[pemohon]"), None, "peran tidak dikenal 'pemohon'")
    assert has(problems, line(lines, "[loket]"), None, "intake: peran tidak dikenal 'loket'")
    assert has(problems, line(lines, "origin_role"), None, "peran tidak dikenal 'dinas'")
    assert has(problems, line(lines, "[humas]"), "putus", "peran tidak dikenal 'humas'")


def test_unknown_document(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("- {document: berkas}", "- {document: berkass}"))
    assert has(problems, line(lines, "berkass"), "periksa", "dokumen tidak dikenal 'berkass'")


def test_unknown_intake_document(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("  document: berkas", "  document: map"))
    assert has(problems, line(lines, "document: map"), None, "intake: dokumen tidak dikenal 'map'")


def test_unknown_kind_in_option(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("          label: Ya\n", "          label: Ya\n          kinds: [A, C]\n")
    )
    assert has(problems, line(lines, "kinds: [A, C]"), "putus", "jenis usulan tidak dikenal 'C'")


def test_every_kind_needs_an_option(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path,
        ("          label: Ya\n", "          label: Ya\n          kinds: [A]\n"),
        ("          label: Tidak\n", "          label: Tidak\n          kinds: [A]\n"),
    )
    assert has(problems, line(lines, "decision:"), "putus", "tanpa pilihan untuk jenis 'B'")


def test_duplicate_step_key(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("  - key: arsip", "  - key: periksa"))
    assert has(
        problems, line(lines, "- key: periksa", 1), "periksa", "kunci langkah ganda 'periksa'"
    )


def test_duplicate_step_number(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("    number: 3", "    number: 2"))
    assert has(
        problems,
        line(lines, "number: 2", 1),
        "arsip",
        "nomor langkah ganda 2 (juga langkah 'putus')",
    )


def test_duplicate_option_key(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("        - key: tidak", "        - key: ya"))
    assert has(problems, line(lines, "- key: ya", 1), "putus", "kunci pilihan ganda 'ya'")


def test_duplicate_role_key(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("  kepala: {title: Kepala}\n", "  kepala: {title: Kepala}\n  staf: {title: X}\n")
    )
    assert has(problems, line(lines, "staf: {title: X}"), None, "kunci 'staf' ditulis dua kali")


def test_unreachable_step(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("          to: arsip", "          end: selesai"))
    assert has(
        problems,
        line(lines, "- key: arsip"),
        "arsip",
        "tidak dapat dicapai dari langkah pertama 'periksa'",
    )


def test_step_with_no_way_out(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("    on_approve: {end: selesai}\n", ""))
    assert has(problems, line(lines, "- key: arsip"), "arsip", "langkah tanpa jalan keluar")


def test_reject_alone_is_no_way_out(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("    on_approve: {to: putus}", "    on_reject: {to: putus}")
    )
    assert has(problems, line(lines, "- key: periksa"), "periksa", "langkah tanpa jalan keluar")


def test_transition_to_a_step_that_does_not_exist(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("on_approve: {to: putus}", "on_approve: {to: putuss}"))
    assert has(
        problems,
        line(lines, "putuss"),
        "periksa",
        "langkah tujuan 'putuss' tidak ada (maksudnya 'putus'?)",
    )


def test_transition_to_an_outcome_that_does_not_exist(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("          end: ditolak", "          end: gagal"))
    assert has(
        problems, line(lines, "- key: tidak"), "putus", "hasil akhir 'gagal' tidak ada di outcomes"
    )


def test_no_outcomes(tmp_path: Path) -> None:
    problems, _ = broken(
        tmp_path,
        ("  selesai: {title: Selesai, notify: [staf]}\n  ditolak: {title: Ditolak}\n", ""),
        ("outcomes:\n", "outcomes: {}\n"),
    )
    assert "tidak ada hasil akhir (outcomes)" in problems[0].message  # the cause, first
    # What follows from it is said with the targets that name a missing outcome.
    assert not any("dari langkah pertama" in p.message for p in problems)
    folded = "akibatnya 1 langkah tanpa jalan ke hasil akhir: periksa"
    assert any(folded in p.message for p in problems)


def test_unparseable_duration(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("time: 10 menit", "time: sepuluh menit"))
    assert has(
        problems, line(lines, "sepuluh"), "putus", "tidak dapat membaca waktu: 'sepuluh menit'"
    )


def test_range_limit_must_exceed_target(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("time: 10 menit", "time: 60-30 menit"))
    assert has(problems, line(lines, "60-30"), "putus", "harus lebih besar")


def test_decision_without_options(tmp_path: Path) -> None:
    start = BASE.index("      options:\n")
    end = BASE.index("  - key: arsip")
    problems, lines = broken(tmp_path, (BASE[start:end], "      options: []\n"))
    assert has(problems, line(lines, "decision:"), "putus", "keputusan tanpa pilihan")


def test_decision_with_on_approve_is_ambiguous(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("    time: 10 menit\n", "    time: 10 menit\n    on_approve: {to: arsip}\n")
    )
    assert has(
        problems, line(lines, "on_approve: {to: arsip}"), "putus", "tidak boleh punya on_approve"
    )


def test_decision_by_several_actors_all_is_unsupported(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("actors: [kepala]", "actors: [kepala, staf]"))
    assert has(problems, line(lines, "- key: putus"), "putus", "completion: all tidak didukung")


def test_decision_by_several_actors_any_is_fine(tmp_path: Path) -> None:
    text = BASE.replace("actors: [kepala]", "actors: [kepala, staf]\n    completion: any")
    assert load_sop_text(text).step("putus").completion == "any"


def test_superior_chain_loop(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("kepala: {title: Kepala}", "kepala: {title: Kepala, superior: staf}")
    )
    loops = [p for p in problems if "rantai atasan berputar" in p.message]
    assert len(loops) == 1  # one loop, reported once
    assert loops[0].line == line(lines, "staf: {title: Staf")
    assert "staf → kepala → staf" in loops[0].message


def test_self_superior_is_a_loop(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("kepala: {title: Kepala}", "kepala: {title: Kepala, superior: kepala}")
    )
    assert has(problems, line(lines, "kepala: {title"), None, "kepala → kepala")


def test_loop_with_no_exit(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path,
        ("          end: ditolak", "          to: periksa"),
        ("    on_approve: {end: selesai}", "    on_approve: {to: periksa}"),
    )
    assert has(problems, line(lines, "- key: putus"), "putus", "tidak ada jalan ke hasil akhir")
    assert has(problems, line(lines, "- key: arsip"), "arsip", "tidak ada jalan ke hasil akhir")
    assert has(problems, line(lines, "- key: periksa"), "periksa", "dari langkah pertama")


def test_document_never_uploaded_before(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("            - {document: sk, upload: true}\n", ""))
    assert has(problems, line(lines, "- {document: sk}"), "arsip", "dokumen 'sk' diminta sudah ada")


def test_document_uploaded_on_one_path_only(tmp_path: Path) -> None:
    # "tidak" now leads to arsip too, without uploading the SK.
    problems, lines = broken(tmp_path, ("          end: ditolak", "          to: arsip"))
    assert has(problems, line(lines, "- {document: sk}"), "arsip", "tidak setiap jalan")


def test_problems_are_all_reported_and_printable(tmp_path: Path) -> None:
    problems, lines = broken(
        tmp_path, ("actors: [kepala]", "actors: [kepla]"), ("time: 5 menit", "time: 5 hari 2 jam")
    )
    assert len(problems) >= 2
    text = str(SopFileError(problems))
    assert f":{line(lines, '[kepla]')}: [langkah putus] actors: peran tidak dikenal 'kepla'" in text
    assert "hari tidak dapat digabung dengan jam" in text


def test_validate_a_spec_built_in_code() -> None:
    spec = load_sop_text(BASE)
    assert validate(spec, "x.yaml") == []


# -- a cause first, and what it causes folded into it -----------------------------------------


def test_a_mistyped_target_is_one_problem_naming_the_steps_it_cuts_off(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("on_approve: {to: putus}", "on_approve: {to: putuss}"))
    [problem] = problems  # not one more "tidak dapat dicapai" per step behind it
    assert problem.line == line(lines, "putuss")
    assert "langkah tujuan 'putuss' tidak ada (maksudnya 'putus'?)" in problem.message
    assert problem.message.endswith("akibatnya 2 langkah tidak dapat dicapai: putus, arsip")


def test_a_duplicated_step_key_comes_first_and_names_the_key_it_should_carry(
    tmp_path: Path,
) -> None:
    # The third step copied from the second, its key left unchanged: "arsip" is now missing.
    problems, lines = broken(tmp_path, ("  - key: arsip", "  - key: putus"))
    assert len(problems) == 2
    first, second = problems
    assert first.line == line(lines, "- key: putus", 1)
    assert "kunci langkah ganda 'putus'" in first.message
    assert "mungkin seharusnya 'arsip', yang dirujuk tetapi tidak ada" in first.message
    assert "langkah tujuan 'arsip' tidak ada" in second.message
    assert f"kunci langkah ganda di baris {first.line} seharusnya 'arsip'" in second.message


def test_a_step_without_a_way_out_cuts_off_the_steps_after_it(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("    on_approve: {to: putus}\n", ""))
    [problem] = problems
    assert problem.line == line(lines, "- key: periksa")
    assert "langkah tanpa jalan keluar" in problem.message
    assert "akibatnya 2 langkah tidak dapat dicapai: putus, arsip" in problem.message


def test_a_way_out_written_as_a_bare_key_says_how_to_write_it(tmp_path: Path) -> None:
    problems, lines = broken(tmp_path, ("on_approve: {to: putus}", "on_approve: putus"))
    [problem] = problems
    assert problem.line == line(lines, "on_approve: putus")
    assert "tulis on_approve: {to: putus}" in problem.message
    assert "akibatnya 2 langkah" in problem.message


def test_a_step_unreachable_for_no_other_reason_is_still_told_on_its_own(
    tmp_path: Path,
) -> None:
    # Both options end: arsip is reached from nowhere, and no mistake explains it.
    problems, _ = broken(tmp_path, ("          to: arsip", "          end: selesai"))
    assert [p.step for p in problems if "tidak dapat dicapai" in p.message] == ["arsip"]
    assert not any("akibatnya" in p.message for p in problems)


def test_structure_before_references_before_the_graph(tmp_path: Path) -> None:
    problems, _ = broken(
        tmp_path,
        ("          to: arsip", "          end: selesai"),  # arsip unreachable (graph)
        ("actors: [kepala]", "actors: [kepla]"),  # a reference
        ("    number: 3", "    number: 3\n    outptu: x"),  # structure, last in the file
    )
    said = [p.message for p in problems]
    assert len(said) == 3
    assert "kolom tidak dikenal 'outptu'" in said[0]
    assert "peran tidak dikenal 'kepla'" in said[1]
    assert "tidak dapat dicapai" in said[2]


def test_an_unknown_field_lists_the_known_ones_when_none_is_close(tmp_path: Path) -> None:
    problems, _ = broken(tmp_path, ("    time: null\n", "    hasil: x\n    time: null\n"))
    [problem] = problems
    assert "kolom tidak dikenal 'hasil' (yang ada: key, number, " in problem.message


@pytest.mark.parametrize(
    ("written", "kind"), [("2024-01-05", "tanggal"), ("12", "angka"), ("true", "true/false")]
)
def test_a_value_yaml_read_as_other_than_text_says_to_quote_it(
    tmp_path: Path, written: str, kind: str
) -> None:
    problems, lines = broken(tmp_path, ('  number: "1/SOP/2024"', f"  number: {written}"))
    [problem] = problems
    assert problem.line == line(lines, f"  number: {written}")
    said = f"'number' harus berupa teks, bukan {kind}: beri tanda kutip, misalnya number: "
    assert said + f'"{written}"' in problem.message
