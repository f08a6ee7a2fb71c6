"""`disposisi laporan`: the compliance report from the console, its options refused in plain
Indonesian (exit 2), the file written and the issue recorded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.tools.cli import main
from tests.helpers import issued


def test_a_pdf_and_a_workbook_are_written_and_issued(
    console: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console / "laporan.pdf"
    given = ["--sop", "kerjasama_pihak_ketiga", "--from", "2026-07-01", "--to", "2026-12-31"]
    assert main(["laporan", *given, "--out", str(out)]) == 0
    assert "Laporan monev SOP ditulis ke" in capsys.readouterr().out
    shown = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Periode: 1 Juli 2026 s.d. 31 Desember 2026" in shown
    assert "Tidak ada kasus SOP ini dalam periode." in shown
    assert main(["laporan", "--out", str(console / "laporan.xlsx")]) == 0
    book = load_workbook(console / "laporan.xlsx")
    assert book.active is not None
    [pdf, xlsx] = issued(database_url)
    assert pdf["format"] == "pdf" and pdf["sop"] == "kerjasama_pihak_ketiga"
    assert str(pdf["start"]).startswith("2026-07-01T00:00:00")
    assert str(pdf["end"]).startswith("2027-01-01T00:00:00")  # the --to day is included
    assert xlsx["format"] == "xlsx" and xlsx["cases"] == 0


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--out", "laporan.doc"], "berakhiran .pdf atau .xlsx"),
        (["--out", "x.pdf", "--sop", "tidak_ada"], "SOP tidak dikenal: 'tidak_ada'"),
        (["--out", "x.pdf", "--from", "1 November"], "--from: bukan tanggal yang dikenal"),
        (["--out", "x.pdf", "--from", "2026-12-01", "--to", "2026-11-01"], "lebih awal"),
        (["--out", "tidak/ada/x.pdf"], "folder 'tidak/ada' tidak ada"),
    ],
)
def test_a_wrong_option_is_told_in_plain_words(
    console: Path, given: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["laporan", *given]) == 2
    assert said in capsys.readouterr().err
    assert not (console / "x.pdf").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to fill")
def test_a_write_that_fails_is_told_in_indonesian(
    console: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (console / "penuh.pdf").symlink_to("/dev/full")  # a disk that is full
    assert main(["laporan", "--out", "penuh.pdf"]) == 2
    err = capsys.readouterr().err
    assert err == "--out 'penuh.pdf': berkas tidak dapat ditulis (ruang penyimpanannya penuh)\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc")
def test_a_folder_that_takes_no_file_is_not_called_missing(
    console: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["laporan", "--out", "/proc/laporan.pdf"]) == 2
    assert "folder itu ada, tetapi tidak menerima berkas baru" in capsys.readouterr().err
