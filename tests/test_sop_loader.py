from pathlib import Path

import pytest

from bot.core.paths import data_dir
from bot.core.sop.loader import SopFileError, SopProblem, load_sop, load_sop_text
from bot.core.sop.registry import SopRegistry, version_key
from bot.core.sop.spec import SopSpec, Step

SEED = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"
CUTI = Path(__file__).parent / "data" / "sop_cuti.yaml"


@pytest.fixture(scope="module")
def seed() -> SopSpec:
    return load_sop(SEED)


def by_number(spec: SopSpec, number: int) -> Step:
    return next(s for s in spec.steps if s.number == number)


def problems_of(path: Path) -> list[SopProblem]:
    with pytest.raises(SopFileError) as info:
        load_sop(path)
    return info.value.problems


# -- the seed SOP ----------------------------------------------------------------------------


def test_seed_has_eleven_numbered_steps_citing_their_rows(seed: SopSpec) -> None:
    assert [s.number for s in seed.steps] == list(range(1, 12))
    assert seed.first_step.key == "karo_terima_disposisi"
    for step in seed.steps:
        assert step.source is not None and f"Baris {step.number} " in step.source


def test_seed_header_is_kept_whole(seed: SopSpec) -> None:
    h = seed.header
    assert (seed.code, seed.version, seed.short_code) == ("kerjasama_pihak_ketiga", "2020.1", "KS")
    assert h.number == "/ SOP/1/2020"
    assert h.institution == "Pemerintah Provinsi Kepulauan Bangka Belitung"
    assert h.name.startswith("SOP Penerbitan Persetujuan Usulan Penawaran")
    assert len(h.legal_basis) == 3 and "Permendagri No: 22 tahun 2020" in h.legal_basis[2]
    assert len(h.related_sops) == 4
    assert h.records == ("Daftar/form rekapitulasi Nota Kesepahaman/Nota Kesepakatan dan PKS",)
    assert h.made_on is None and h.approved_by is None
    assert h.warning is not None and h.warning.endswith("sesuai prosedur.")


def test_seed_roles_and_superior_chain(seed: SopSpec) -> None:
    assert len(seed.roles) == 12
    chain: list[str] = []
    role: str | None = "kasubbag_kss_ln"
    while role is not None:
        chain.append(role)
        role = seed.roles[role].superior
    assert chain == ["kasubbag_kss_ln", "kabag_ks", "karo", "asisten1", "sekda", "gubernur"]
    assert seed.roles["analis_ls"].superior == "kasubbag_kss_ln"
    assert seed.roles["tkksd"].superior == "sekda"


def test_seed_intake_and_kinds(seed: SopSpec) -> None:
    assert set(seed.kinds) == {"KAK", "FS"}
    assert seed.intake.registrars == ("pengadministrasi", "karo", "gubernur", "sekda")
    assert seed.intake.document == "usulan"
    assert seed.intake.origin_role == "perangkat_daerah"
    assert seed.outcomes["dikembalikan"].notify == ("perangkat_daerah",)


def test_step_4_is_done_by_both_analysts(seed: SopSpec) -> None:
    step = by_number(seed, 4)
    assert step.actors == ("analis_ls", "analis_pks")
    assert step.completion == "all"
    assert [(r.document, r.upload) for r in step.requires] == [("hasil_telaah", True)]
    assert step.time.target_minutes == 60


def test_step_times(seed: SopSpec) -> None:
    minutes = {s.number: s.time.target_minutes for s in seed.steps}
    assert minutes == {
        1: 5,
        2: 5,
        3: 5,
        4: 60,
        5: 30,
        6: None,
        7: 30,
        8: 180,
        9: 120,
        10: 30,
        11: None,
    }
    ten = by_number(seed, 10).time
    assert (ten.text, ten.target_minutes, ten.limit_minutes) == ("30-60 Menit", 30, 60)
    assert not by_number(seed, 6).time.given and by_number(seed, 6).time.text is None
    assert not by_number(seed, 11).time.given


def test_steps_1_to_6_only_go_forward(seed: SopSpec) -> None:
    for number in range(1, 7):
        step = by_number(seed, number)
        assert step.on_reject is None and step.decision is None
        assert step.on_approve is not None
        assert step.on_approve.target.step == by_number(seed, number + 1).key


def test_step_7_can_send_back_to_step_6(seed: SopSpec) -> None:
    step = by_number(seed, 7)
    assert step.on_approve is not None and step.on_approve.target.step == "tkksd_bahas"
    assert step.on_reject is not None and step.on_reject.target.step == "kabag_koreksi"


def test_step_8_routes_kak_and_fs(seed: SopSpec) -> None:
    decision = by_number(seed, 8).decision
    assert decision is not None
    for_kak = [o.key for o in decision.options if o.applies_to("KAK")]
    for_fs = [o.key for o in decision.options if o.applies_to("FS")]
    assert for_kak == ["setuju_kak", "tidak_setuju"]
    assert for_fs == ["setuju_fs", "tidak_setuju"]
    setuju_kak, setuju_fs, tidak = decision.options
    assert setuju_kak.target.step == setuju_fs.target.step == "gubernur_tandatangani"
    assert setuju_kak.notify == ("perangkat_daerah",)
    assert [(r.document, r.upload) for r in setuju_fs.requires] == [("konsep_surat", True)]
    assert tidak.target.end == "dikembalikan" and tidak.note_required


def test_step_9_both_answers_lead_to_step_10(seed: SopSpec) -> None:
    decision = by_number(seed, 9).decision
    assert decision is not None
    assert {o.key: o.verdict for o in decision.options} == {
        "setuju": "disetujui",
        "tolak": "ditolak",
    }
    assert {o.target.step for o in decision.options} == {"karo_tindak_lanjut"}
    tolak = decision.option("tolak")
    assert tolak is not None and tolak.note_required


def test_steps_10_and_11(seed: SopSpec) -> None:
    ten, eleven = by_number(seed, 10), by_number(seed, 11)
    assert [(r.document, r.upload) for r in ten.requires] == [("surat_usulan", True)]
    assert [(r.document, r.upload) for r in eleven.requires] == [("surat_usulan", False)]
    assert eleven.on_approve is not None and eleven.on_approve.target.end == "selesai"


def test_lines_point_at_the_items(seed: SopSpec) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for step in seed.steps:
        assert lines[step.line - 1].strip() == f"- key: {step.key}"
    assert lines[seed.roles["karo"].line - 1].lstrip().startswith("karo:")
    transition = by_number(seed, 7).on_reject
    assert transition is not None and "on_reject" in lines[transition.line - 1]


# -- a second SOP, from its file alone -------------------------------------------------------


def test_a_different_sop_loads_from_its_file() -> None:
    spec = load_sop(CUTI)
    assert spec.code == "cuti_pegawai" and spec.kinds == {}
    assert set(spec.roles) == {"pegawai", "atasan", "kepegawaian"}
    assert {s.time.target_minutes for s in spec.steps} == {1}
    assert spec.intake.number_format == "CUTI-{seq:03d}/{year}"
    assert spec.first_step.decision is not None


# -- structural problems -----------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sop.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    # The parser notices the "[" left open on line 3 only at line 4: line 3 is the one to fix.
    path = write(tmp_path, "code: x\nversion: '1'\nroles: [a, b\nsteps: []\n")
    [problem] = problems_of(path)
    assert (problem.line, problem.column) == (3, 8)
    assert "YAML tidak sah: '[' dibuka di sini tetapi tidak ditutup dengan ']'" in problem.message
    assert str(problem).startswith(f"{path}:3:8: ")
    assert str(problem).splitlines()[1:] == ["    3 | roles: [a, b", "      |        ^"]


def test_every_duplicate_key_is_reported(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8")
    text = text.replace(
        "  atasan: {title: Atasan Langsung}\n",
        "  atasan: {title: Atasan Langsung}\n  atasan: {title: X}\n",
    )
    text = text.replace("    number: 2\n", "    number: 2\n    number: 3\n")
    problems = problems_of(write(tmp_path, text))
    lines = text.splitlines()
    found = {(p.line, p.message) for p in problems}
    assert (
        lines.index("  atasan: {title: X}") + 1,
        "kunci 'atasan' ditulis dua kali (yang pertama dipakai)",
    ) in found
    assert (
        lines.index("    number: 3") + 1,
        "kunci 'number' ditulis dua kali (yang pertama dipakai)",
    ) in found


def test_not_a_mapping(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, "- a\n- b\n"))
    assert "mapping" in problem.message


def test_unreadable_file(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "missing.yaml")
    assert problem.message == "berkas tidak ada"  # not Python's "[Errno 2] No such file…"
    (tmp_path / "latin1.yaml").write_bytes("code: caf\xe9\n".encode("latin-1"))
    [problem] = problems_of(tmp_path / "latin1.yaml")
    assert "bukan teks UTF-8" in problem.message


def test_all_structural_problems_at_once(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8")
    text = text.replace('version: "1"', "version: 1.10")
    text = text.replace("    on_approve: {end: disetujui", "    on_aprove: {end: disetujui")
    text = text.replace("    activity: Memeriksa permohonan cuti\n", "")
    text = text.replace("    number: 2\n", "    number: dua\n")
    text = text.replace("    time: 1 menit\n    output", "    time: 1\n    output")
    text = text.replace(
        "          end: ditolak", "          end: ditolak\n          to: kepegawaian_terbitkan"
    )
    problems = problems_of(write(tmp_path, text))
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    messages = {(p.line, p.step, p.message) for p in problems}
    assert (line_of("version:"), None, 'version harus teks: tulis version: "1.1"') in messages
    assert (
        line_of("on_aprove"),
        "kepegawaian_terbitkan",
        "langkah: kolom tidak dikenal 'on_aprove' (maksudnya 'on_approve'?)",
    ) in messages
    assert (
        line_of("key: atasan_periksa"),
        "atasan_periksa",
        "langkah: kolom wajib 'activity' tidak ada",
    ) in messages
    assert any(p.line == line_of("number: dua") and "bilangan bulat" in p.message for p in problems)
    time_line = lines.index("    time: 1") + 1
    assert any(p.line == time_line and "tanpa satuan" in p.message for p in problems)
    assert any(
        p.line == line_of("key: tolak")
        and "tepat satu dari 'to: LANGKAH' atau 'end: HASIL'" in p.message
        for p in problems
    )
    # The misspelt on_approve is its one cause: read as meant, it is not told again as a step
    # with no way out, nor as the steps it would cut off.
    assert not any("tanpa jalan keluar" in p.message for p in problems)
    assert not any("tidak dapat dicapai" in p.message for p in problems)


def test_wrong_types(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8")
    text = text.replace("    actors: [atasan]", "    actors: atasan")
    text = text.replace("    completion", "").replace(
        "    time: 1 menit\n    decision", "    time: 1 menit\n    completion: some\n    decision"
    )
    text = text.replace("          note_required: true", "          note_required: ya")
    problems = problems_of(write(tmp_path, text))
    messages = " | ".join(p.message for p in problems)
    assert "'actors' harus berupa daftar teks" in messages
    assert "'completion' harus all atau any" in messages
    assert "'note_required' harus true atau false" in messages


def test_bad_number_format(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8").replace("{seq:03d}/{year}", "{nomor}/{year}")
    [problem] = problems_of(write(tmp_path, text))
    assert "intake: 'number_format' tidak sah" in problem.message


# -- the registry ------------------------------------------------------------------------------


def test_registry_loads_the_project_sops() -> None:
    registry = SopRegistry()
    assert registry.get("kerjasama_pihak_ketiga").version == "2020.1"
    assert "kerjasama_pihak_ketiga" in registry


def test_registry_picks_the_latest_version(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(
        text.replace('version: "1"', 'version: "2020.9"'), encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        text.replace('version: "1"', 'version: "2020.10"'), encoding="utf-8"
    )
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "broken.yaml").write_text("not: [valid", encoding="utf-8")
    registry = SopRegistry(tmp_path)
    assert registry.get("cuti_pegawai").version == "2020.10"
    assert registry.get("cuti_pegawai", "2020.9").version == "2020.9"
    assert [s.version for s in registry.all()] == ["2020.9", "2020.10"]
    assert len(registry) == 2
    with pytest.raises(KeyError):
        registry.get("cuti_pegawai", "3")
    with pytest.raises(KeyError):
        registry.get("tidak_ada")


def test_registry_reports_bad_files_and_clashes(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        text.replace("time: 1 menit", "time: sebentar"), encoding="utf-8"
    )
    with pytest.raises(SopFileError) as info:
        SopRegistry(tmp_path)
    files = {Path(p.file).name for p in info.value.problems}
    assert files == {"b.yaml", "c.yaml"}


def test_version_key_orders_numerically() -> None:
    assert version_key("2020.10") > version_key("2020.9") > version_key("2020")
    assert version_key("2") > version_key("1.5")
    assert version_key("1.rc") > version_key("1.0")


def test_the_readme_minimal_example_loads() -> None:
    readme = (data_dir("sops") / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A minimal example", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    spec, cuti = load_sop_text(example, "README.md"), load_sop(CUTI)
    assert [(s.key, s.targets()) for s in spec.steps] == [(s.key, s.targets()) for s in cuti.steps]
    assert spec.roles.keys() == cuti.roles.keys()


def test_the_seed_sets_its_reminder_policy(seed: SopSpec) -> None:
    assert (seed.reminders.enabled, seed.reminders.repeat_minutes) == (True, 60)
    assert seed.reminders.escalate_after == 2


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("reminders: {repeat: 60}", "'repeat': waktu 60 tanpa satuan: tulis '60 menit'"),
        ("reminders: {repeat: 30-60 menit}", "tulis satu lama waktu"),
        ("reminders: {repeat: 1 hari kerja}", "hari kerja tidak dipakai untuk pengingat"),
        ("reminders: {escalate_after: -1}", "'escalate_after' harus bilangan bulat ≥ 0"),
        ("reminders: {enabled: ya}", "'enabled' harus true atau false"),
        ("reminders: {repeats: 1 jam}", "kolom tidak dikenal 'repeats' (maksudnya 'repeat'?)"),
        ("reminders: 60", "reminders harus berupa mapping"),
    ],
)
def test_a_broken_reminders_block_is_named_with_its_line(block: str, message: str) -> None:
    text = SEED.read_text().replace("reminders: {repeat: 1 jam, escalate_after: 2}", block)
    with pytest.raises(SopFileError) as raised:
        load_sop_text(text, "seed.yaml")
    line = text.splitlines().index(block) + 1
    problems = [str(p) for p in raised.value.problems]
    assert any(p.startswith(f"seed.yaml:{line}:") and message in p for p in problems), problems


@pytest.mark.parametrize(
    ("text", "line", "column", "why"),
    [
        ("code: x\nroles: [a, b\nsteps: []\n", 2, 8, "'[' dibuka di sini tetapi tidak ditutup"),
        ("code: x\nroles: {a: 1\nsteps: []\n", 2, 8, "'{' dibuka di sini tetapi tidak ditutup"),
        ("code: x\nroles\nsteps: []\n", 2, 1, "tidak berbentuk 'kunci: nilai'"),
        ('code: x\nversion: "1\nsteps: []\nname: "y"\n', 2, 10, 'tanda kutip " dibuka di sini'),
        ("code: 'x\nsteps: []\n", 1, 7, "tanda kutip ' dibuka di sini"),
        ("code: x\nsteps:\n\t- a\n", 3, 1, "karakter tab"),
        ("code: x\nname: a: b\n", 2, 8, "tanda ':' tidak boleh di sini: beri tanda kutip"),
        ("code: x\nsteps:\n  - a\n - b\n", 4, 2, "'-' (butir daftar) tidak boleh di sini"),
        ("code: x\nname: *a\n", 2, 7, "'*a' merujuk ke '&a' yang tidak ada"),
        ("code: x\n---\ncode: y\n", 2, 1, "hanya boleh berisi satu dokumen YAML"),
        ("code: x\nversion: !!int abc\n", 2, 10, "nilai 'abc' tidak dapat dibaca sebagai int"),
        ("code: x\nname: `a`\n", 2, 7, "nilai tidak boleh diawali '`'"),
    ],
)
def test_a_yaml_mistake_is_told_in_indonesian_where_it_was_made(
    tmp_path: Path, text: str, line: int, column: int, why: str
) -> None:
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    first, quoted, mark = str(problem).splitlines()
    assert first.startswith(f"{path}:{line}:{column}: YAML tidak sah: ")
    assert why in first
    assert quoted == f"    {line} | {text.splitlines()[line - 1]}"
    assert mark.index("^") == quoted.index("|") + 1 + column  # under the column


def test_an_impossible_date_is_text_not_a_crash(tmp_path: Path) -> None:
    text = CUTI.read_text(encoding="utf-8")
    path = write(tmp_path, text.replace("  name: ", "  made_on: 2026-13-01\n  name: ", 1))
    assert load_sop(path).header.made_on == "2026-13-01"
