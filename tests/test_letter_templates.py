"""A step's letter template, checked when the SOP file is loaded: it must exist, open as a
.docx, name only what a draft is given, and become a document the step uploads; problems name
the file and the line. A letter is wording: the fingerprint that pins running cases ignores it."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from bot.core.paths import data_dir
from bot.core.sop import letters
from bot.core.sop.loader import SopFileError, load_sop

SEED = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"
LEAVE = Path(__file__).parent / "data" / "sop_cuti.yaml"


def text_of(content: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def template(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _leave_sop(tmp_path: Path, letter: str, template: bytes | None = None) -> Path:
    """The leave SOP with `letter` on its last step (which uploads `surat_izin`)."""
    source = LEAVE.read_text(encoding="utf-8")
    anchor = "    output: surat izin cuti\n"
    assert anchor in source
    path = tmp_path / "cuti.yaml"
    path.write_text(source.replace(anchor, anchor + f"    letter: {letter}\n"), encoding="utf-8")
    if template is not None:
        (tmp_path / "surat").mkdir(exist_ok=True)
        (tmp_path / "surat" / "izin.docx").write_bytes(template)
    return path


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _refused(path: Path) -> str:
    with pytest.raises(SopFileError) as refused:
        load_sop(path)
    (problem,) = refused.value.problems
    assert problem.file == str(path)
    assert problem.step == "kepegawaian_terbitkan"
    assert problem.line == _line_of(path, "letter:")
    return problem.message


GOOD = template("Surat izin cuti {{ case.number }}", "{{ case.title }}, {{ today }}")


def test_a_good_letter_loads_with_its_template_read(tmp_path: Path) -> None:
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: surat_izin}", GOOD)
    letter = load_sop(path).step("kepegawaian_terbitkan").letter
    assert letter is not None and letter.content == GOOD
    assert (letter.template, letter.document) == ("surat/izin.docx", "surat_izin")


def test_a_missing_template_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    path = _leave_sop(tmp_path, "{template: surat/izn.docx, document: surat_izin}", GOOD)
    message = _refused(path)
    assert "templat surat 'surat/izn.docx' tidak ada" in message
    assert str(tmp_path) in message  # where it was looked for


def test_a_file_that_is_no_docx_is_refused(tmp_path: Path) -> None:
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: surat_izin}", b"bukan")
    assert "bukan dokumen Word .docx" in _refused(path)
    path = _leave_sop(tmp_path, "{template: surat/izin.pdf, document: surat_izin}")
    assert "harus berkas Word .docx" in _refused(path)


@pytest.mark.parametrize(
    "written", ["../surat/izin.docx", "surat/../../izin.docx", "/etc/izin.docx"]
)
def test_a_template_outside_the_sops_folder_is_refused(tmp_path: Path, written: str) -> None:
    """A template is kept with its SOP: a path out of its folder would read any .docx on the
    server, and a copy of the SOP (demo --sop, another SOP_DIR) would not find it."""
    inner = tmp_path / "sops"
    inner.mkdir()
    (tmp_path / "surat").mkdir()
    (tmp_path / "surat" / "izin.docx").write_bytes(GOOD)  # there, but outside
    path = _leave_sop(inner, f"{{template: '{written}', document: surat_izin}}")
    assert "harus di folder berkas SOP ini" in _refused(path)


def test_a_template_naming_what_a_draft_is_not_given_is_refused(tmp_path: Path) -> None:
    typo = template("Nomor {{ kase.number }}")
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: surat_izin}", typo)
    message = _refused(path)
    assert "isian tidak dikenal 'kase' (maksudnya 'case'?)" in message


def test_a_template_with_a_broken_field_is_refused(tmp_path: Path) -> None:
    broken = template("Nomor {{ case.number ")
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: surat_izin}", broken)
    assert "isian templat tidak sah" in _refused(path)


def test_the_document_must_be_known_and_uploaded_at_the_step(tmp_path: Path) -> None:
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: surat_ijin}", GOOD)
    assert "dokumen tidak dikenal 'surat_ijin' (maksudnya 'surat_izin'?)" in _refused(path)
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: formulir}", GOOD)
    assert "'formulir' tidak dilampirkan di langkah ini" in _refused(path)
    assert "yaitu: surat_izin" in _refused(path)


def test_a_letter_is_wording_its_template_may_change_under_a_running_version(
    tmp_path: Path,
) -> None:
    """A draft is made when its step starts, so no case waits on a letter: adding one, or
    editing its template, leaves the fingerprint (what running cases are pinned to) alone,
    and the seed with its two letters is the content pinned before letters existed."""
    plain = load_sop(LEAVE).fingerprint
    path = _leave_sop(tmp_path, "{template: surat/izin.docx, document: surat_izin}", GOOD)
    assert load_sop(path).fingerprint == plain
    (tmp_path / "surat" / "izin.docx").write_bytes(template("Lain {{ case.title }}"))
    assert load_sop(path).fingerprint == plain
    seed = SEED.read_text(encoding="utf-8")
    without = "\n".join(line for line in seed.splitlines() if "letter: {template" not in line)
    copy = tmp_path / "seed.yaml"
    copy.write_text(without, encoding="utf-8")
    assert load_sop(SEED).fingerprint == load_sop(copy).fingerprint


def test_the_seed_templates_fill_with_a_case() -> None:
    spec = load_sop(SEED)
    for key in ("tkksd_bahas", "karo_tindak_lanjut"):
        letter = spec.step(key).letter
        assert letter is not None
        sample = letters.sample() | {"case": {"number": "0042/KS/2026", "title": "A & B <C>"}}
        text = text_of(letters.fill(letter.content, sample))
        assert "0042/KS/2026" in text and "A & B <C>" in text  # escaped for Word, shown as is
        assert "Yth." in text and "Nomor" in text and "Hal" in text and "Tembusan" in text


def test_a_copy_of_the_seed_elsewhere_keeps_its_letters_until_the_office_puts_its_own(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "kerjasama.yaml"
    copy.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    shipped = load_sop(SEED).step("tkksd_bahas").letter
    found = load_sop(copy).step("tkksd_bahas").letter
    assert shipped is not None and found is not None and found.content == shipped.content
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "konsep_surat_usulan.docx").write_bytes(GOOD)  # the office's kop
    own = load_sop(copy).step("tkksd_bahas").letter
    assert own is not None and own.content == GOOD
