"""What an operator reads when `run`, `invite` or `sop roles` cannot do what was asked: the
cause on the first line, in Indonesian, what to do next, exit 2, and never a traceback.

The commands run as subprocesses, as in tests/test_secrets.py (whose helpers also grep every
line printed for the token)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.paths import data_dir
from bot.tools.cli import main
from tests.test_secrets import TOKEN, _free_port, _printed, _run, _without_info_lines

SEED = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"
TYPO = ("on_approve: {to: kabag_perintah_persiapan}", "on_approve: {to: kabag_perintah_persiapn}")


def _unreachable() -> str:
    return f"http://127.0.0.1:{_free_port()}/bot"  # nothing listens there


def _sop_dir_with_a_typo(tmp_path: Path) -> Path:
    folder = tmp_path / "sops"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    assert TYPO[0] in text
    (folder / "rusak.yaml").write_text(text.replace(*TYPO, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("command", "header"),
    [
        (("run",), "Bot tidak dijalankan: 1 masalah pada SOP (SOP_DIR):"),
        (("invite", "karo"), "SOP di SOP_DIR tidak dapat dipakai: 1 masalah:"),
    ],
)
def test_a_broken_sop_at_start_is_its_cause_in_one_line(
    tmp_path: Path, command: tuple[str, ...], header: str
) -> None:
    folder = _sop_dir_with_a_typo(tmp_path)
    done = _run(
        tmp_path,
        *command,
        SOP_DIR=str(folder),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=_unreachable(),
    )
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert "Traceback" not in printed
    said = _without_info_lines(done.stderr).splitlines()
    assert said[0] == header
    assert len(said) == 3, said  # the header, the one problem (its consequences in it), the fix
    assert said[1].startswith(f"  {folder / 'rusak.yaml'}:")
    assert "langkah tujuan 'kabag_perintah_persiapn' tidak ada" in said[1]
    assert "akibatnya 10 langkah tidak dapat dicapai" in said[1]
    assert said[2] == "Perbaiki lalu periksa dengan: disposisi sop check BERKAS"


def test_invite_refuses_an_unknown_role_naming_the_known_ones(tmp_path: Path) -> None:
    done = _run(
        tmp_path, "invite", "kro", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=_unreachable()
    )
    printed = _printed(done)
    assert done.returncode == 2, printed
    said = done.stderr.splitlines()
    assert len(said) == 3, said
    assert said[0] == "Undangan ditolak: tidak ada SOP dengan peran 'kro' (maksudnya 'karo'?)"
    known = said[1].removeprefix("  peran yang ada: ").split(", ")
    assert known == sorted(known) and {"karo", "kabag_ks", "ppid"} <= set(known)  # every SOP's
    assert said[2] == "  rinciannya: disposisi sop roles"


def test_invite_says_why_a_name_is_refused_before_any_connection(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        "invite",
        "karo",
        "--name",
        "x" * 500,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=_unreachable(),
    )
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert done.stderr.startswith("Undangan ditolak: Nama terlalu panjang: 500 karakter")


def test_invite_with_telegram_out_of_reach_leaves_no_invitation(tmp_path: Path) -> None:
    api = _unreachable()
    done = _run(tmp_path, "invite", "karo", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api)
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert f"Server Bot API tidak dapat dihubungi: periksa TELEGRAM_API_URL={api}" in done.stderr
    with sqlite3.connect(tmp_path / "bot.storage.db") as db:
        assert db.execute("SELECT count(*) FROM invites").fetchone() == (0,)


def test_sop_roles_lists_the_keys_invite_takes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sop", "roles", str(SEED)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("kerjasama_pihak_ketiga v2020.1 — SOP Penerbitan")
    assert "  karo              Kepala Biro Pemerintahan [mendaftarkan usulan]" in out
    assert "  kabag_ks          Kepala Bagian Kerja Sama" in out
    assert (
        "  perangkat_daerah  Perangkat Daerah Terkait [asal usulan: undang dengan --unit NAMA_UNIT]"
        in out
    )
    assert (
        "Yang boleh mendaftarkan usulan (intake.registrars): "
        "pengadministrasi, karo, gubernur, sekda" in out
    )
    assert out[-1] == "Admin TI: disposisi invite admin"


def test_sop_roles_reads_sop_dir_without_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cuti = Path(__file__).parent / "data" / "sop_cuti.yaml"
    (tmp_path / "cuti.yaml").write_text(cuti.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "seed.yaml").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("SOP_DIR", str(tmp_path))
    assert main(["sop", "roles", "--sop", "cuti_pegawai"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cuti_pegawai v1 — ") and "  atasan  " in out
    assert main(["sop", "roles", "--sop", "tidak_ada"]) == 2
    assert "--sop: SOP tidak dikenal: 'tidak_ada'" in capsys.readouterr().err
