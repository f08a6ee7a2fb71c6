import re
from pathlib import Path

import pytest

from bot.core.paths import data_dir
from bot.core.sop.loader import load_sop, load_sop_text
from bot.core.sop.render import actor_titles, mermaid, steps_table
from bot.core.sop.spec import SopSpec

CUTI = Path(__file__).parent / "data" / "sop_cuti.yaml"


@pytest.fixture(scope="module")
def seed() -> SopSpec:
    return load_sop(data_dir("sops") / "kerjasama_pihak_ketiga.yaml")


def row(table: str, number: int) -> str:
    """The lines of one table row (from its number to the next rule)."""
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"{number}\s", line))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("──"))
    return "\n".join(lines[start:end])


# -- table -------------------------------------------------------------------------------------


def test_table_has_a_row_per_step(seed: SopSpec) -> None:
    table = steps_table(seed, default_minutes=45)
    assert table.splitlines()[0].startswith(seed.header.name)
    for step in seed.steps:
        assert row(table, step.number)


def test_table_time_column(seed: SopSpec) -> None:
    table = steps_table(seed, default_minutes=45)
    assert "30-60 Menit" in row(table, 10)
    assert "3 jam" in row(table, 8)
    for number in (6, 11):
        assert "— (tidak ditetapkan;" in row(table, number)
        assert "default 45 menit)" in row(table, number)
    assert "tidak ditetapkan" not in row(table, 5)
    assert "Jumlah waktu baku: 495 menit (8 jam 15 menit); 2 langkah tanpa waktu" in table


def test_table_says_a_day_standard_in_words() -> None:
    text = CUTI.read_text(encoding="utf-8").replace("time: 1 menit", "time: 2 minggu", 1)
    spec = load_sop_text(text.replace("time: 1 menit", "time: 1-3 hari kerja"), "cuti.yaml")
    table = steps_table(spec, default_minutes=45)
    first = row(table, 1).splitlines()  # the column wraps: "2 minggu (= 10 hari" / "kerja)"
    assert "2 minggu (= 10 hari" in first[0] and first[1].split()[0] == "kerja)"
    assert "1-3 hari kerja" in row(table, 2) and "(=" not in row(table, 2)
    assert "Jumlah waktu baku: 13 hari kerja" in table
    mixed = load_sop_text(text, "cuti.yaml")  # step 2 stays at 1 minute
    assert "Jumlah waktu baku: 1 menit + 10 hari kerja" in steps_table(mixed, default_minutes=45)


def test_table_requirements_mark_uploads(seed: SopSpec) -> None:
    table = steps_table(seed, default_minutes=30)
    assert "✓ Hasil telaah" in row(table, 4)
    assert "✓" not in row(table, 5).split("→")[0]
    assert "✓ Surat usulan" in row(table, 10)


def test_table_next_column(seed: SopSpec) -> None:
    table = steps_table(seed, default_minutes=30)
    assert "→ 2" in row(table, 1)
    seven = row(table, 7)
    assert "Ya → 8" in seven and "Tidak → 6" in seven
    nine = row(table, 9)
    assert "Setuju — tanda tangani surat → 10" in nine and "Tolak → 10" in nine
    assert "→ selesai: Surat dikirim" in row(table, 11)  # the title wraps in the cell


def test_actor_titles(seed: SopSpec) -> None:
    four = next(s for s in seed.steps if s.number == 4)
    assert actor_titles(seed, four) == (
        "semua: Analis Kerja Sama Lintas Sektor; Analis Perencanaan dan Kerja Sama"
    )
    one = seed.first_step
    assert actor_titles(seed, one) == "Kepala Biro Pemerintahan"
    text = CUTI.read_text(encoding="utf-8").replace(
        "actors: [kepegawaian]", "actors: [kepegawaian, atasan]\n    completion: any"
    )
    cuti = load_sop_text(text)
    assert actor_titles(cuti, cuti.steps[1]) == "salah satu: Subbagian Kepegawaian; Atasan Langsung"


def test_table_of_a_small_sop_has_no_total_in_hours() -> None:
    table = steps_table(load_sop(CUTI), default_minutes=15)
    assert table.splitlines()[-1] == "Jumlah waktu baku: 2 menit"


# -- Mermaid -----------------------------------------------------------------------------------


def test_mermaid_shapes(seed: SopSpec) -> None:
    chart = mermaid(seed)
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    start(["Mulai"])' in lines
    assert "    start --> s_karo_terima_disposisi" in lines
    # Every step is a process rectangle labelled "n. actor: activity".
    for step in seed.steps:
        assert re.search(rf'^    s_{step.key}\["{step.number}\. [^"]+: [^"]+"\]$', chart, re.M), (
            step.key
        )
    # Decisions are rhombuses after their step, with labelled branches.
    assert '    d_tkksd_bahas{"Hasil pembahasan TKKSD"}' in lines
    assert "    s_tkksd_bahas --> d_tkksd_bahas" in lines
    assert (
        '    d_tkksd_bahas -->|"Setuju — rekomendasi kepada Gubernur"| s_gubernur_tandatangani'
        in lines
    )
    assert (
        '    d_tkksd_bahas -->|"Tidak setuju — kembalikan ke Perangkat Daerah"| t_dikembalikan'
        in lines
    )
    # Outcomes are terminators.
    assert '    t_selesai(["Surat dikirim dan diarsipkan"])' in lines
    assert '    t_dikembalikan(["Dikembalikan ke Perangkat Daerah"])' in lines
    assert "    s_pengadministrasi_kirim_arsip --> t_selesai" in lines


def test_mermaid_labels_a_step_with_its_title_where_it_has_one(seed: SopSpec) -> None:
    chart = mermaid(seed)
    titled = [step for step in seed.steps if step.title]
    assert titled, "the seed titles its steps"
    for step in titled:
        assert f'    s_{step.key}["{step.number}. ' in chart
        label = next(line for line in chart.splitlines() if line.startswith(f"    s_{step.key}["))
        assert label.endswith(f': {step.title}"]'), label
    bare = load_sop(CUTI).steps[0]
    assert bare.title is None  # without a title: the activity's start, as messages show it
    assert f': {bare.short_title}"]' in mermaid(load_sop(CUTI))


def test_mermaid_loop_back_uses_off_page_connectors(seed: SopSpec) -> None:
    lines = mermaid(seed).splitlines()
    assert '    s_karo_periksa_analisa -->|"Ya"| s_tkksd_bahas' in lines
    assert '    c1@{ shape: off-page, label: "ke 6" }' in lines
    assert '    s_karo_periksa_analisa -->|"Tidak"| c1' in lines
    assert '    c1i@{ shape: off-page, label: "dari 7" }' in lines
    assert "    c1i --> s_kabag_koreksi" in lines
    # No arrow goes straight back up to an earlier step.
    assert '    s_karo_periksa_analisa -->|"Tidak"| s_kabag_koreksi' not in lines


def test_mermaid_escapes_quotes_and_pipes() -> None:
    text = CUTI.read_text(encoding="utf-8")
    text = text.replace("label: Setuju\n", "label: 'Setuju \"penuh\" | A'\n")
    text = text.replace("question: Setujui cuti?", "question: 'Setujui \"cuti\"?'")
    chart = mermaid(load_sop_text(text))
    assert '-->|"Setuju #quot;penuh#quot; #124; A"| s_kepegawaian_terbitkan' in chart
    assert 'd_atasan_periksa{"Setujui #quot;cuti#quot;?"}' in chart


def test_mermaid_of_a_different_sop() -> None:
    chart = mermaid(load_sop(CUTI))
    assert '    s_atasan_periksa["1. Atasan Langsung: Memeriksa permohonan cuti"]' in chart
    assert '    d_atasan_periksa -->|"Tolak"| t_ditolak' in chart
    assert '    c1@{ shape: off-page, label: "ke 1" }' in chart
