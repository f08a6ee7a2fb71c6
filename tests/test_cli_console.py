"""Why a console command could not write its file (rekap, laporan, lembar): in the operator's
words, never the OS's English ("No such file or directory", "No space left on device")."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from bot.tools.console import blocked, why


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.ENOSPC, "ruang penyimpanannya penuh"),
        (errno.EACCES, "tidak ada izin menulis di sana"),
        (errno.EROFS, "tempatnya hanya dapat dibaca"),
        (errno.EISDIR, "itu sebuah folder; beri nama berkas di dalamnya"),
        (errno.ENAMETOOLONG, "nama berkas atau jalurnya terlalu panjang"),
        (errno.EXDEV, "ditolak oleh sistem (EXDEV)"),  # an unusual one: named by its code
    ],
)
def test_a_usual_reason_is_said_in_indonesian(tmp_path: Path, code: int, said: str) -> None:
    assert why(OSError(code, "English text"), tmp_path / "r.xlsx") == said


def test_no_such_file_names_the_folder_only_when_it_is_missing(tmp_path: Path) -> None:
    missing = OSError(errno.ENOENT, "No such file or directory")
    assert why(missing, tmp_path / "tidak" / "ada.pdf") == "folder tujuannya tidak ada"
    # /proc and the like: the folder is there, yet refuses a new file
    assert why(missing, tmp_path / "ada.pdf").startswith("folder itu ada, tetapi tidak menerima")


def test_what_would_refuse_the_file_is_seen_before_it_is_made(tmp_path: Path) -> None:
    (tmp_path / "folder.pdf").mkdir()
    assert blocked(tmp_path / "baru.pdf") is None
    refused = [blocked(tmp_path / "folder.pdf"), blocked(tmp_path / "tidak" / "ada.pdf")]
    assert [e.errno if e else None for e in refused] == [errno.EISDIR, errno.ENOENT]
