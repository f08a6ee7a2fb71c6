"""The reading commands on a database that is not there or not set up: one Indonesian line that
says so and names `disposisi db upgrade`, exit 2, and no file left behind (a first connection
to SQLite would create the file, empty, and the command then fail on "no such table")."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path

import pytest

from bot.storage.db import create_engine
from bot.storage.migrate import downgrade
from bot.tools.cli import main
from tests.conftest import _on_server, needs_postgres, postgres_url

READERS = [
    ["rekap", "--out", "r.xlsx"],
    ["laporan", "--out", "r.pdf"],
    ["lembar", "0001/KS/2026", "--out", "l.pdf"],
    ["audit", "cek", "K3DKM-M2MWS"],
    ["audit", "verify"],
    ["inbox"],
]
UPGRADE = "disposisi db upgrade"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("SOP_DIR", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and len(printed.err.splitlines()) == 1, printed.err
    return printed.err.strip()


@pytest.mark.parametrize("argv", READERS, ids=lambda argv: " ".join(argv[:2]))
def test_a_missing_sqlite_file_is_told_and_not_created(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///missing.db")
    said = _refused(argv, capsys)
    assert said.startswith("Basis data tidak ada: berkas missing.db (DATABASE_URL) tidak ditemukan")
    assert said.endswith(UPGRADE)
    assert list(folder.iterdir()) == []  # no missing.db, no -wal, no r.xlsx


@pytest.mark.parametrize("argv", READERS, ids=lambda argv: " ".join(argv[:2]))
def test_a_database_without_the_schema_is_told(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    (folder / "kosong.db").touch()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///kosong.db")
    said = _refused(argv, capsys)
    assert said == (
        "Basis data sqlite:///kosong.db (DATABASE_URL) belum disiapkan: tabel-tabelnya belum ada;"
        f" siapkan dengan: {UPGRADE}"
    )


def test_an_older_schema_is_told_to_be_migrated(
    folder: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(sqlite_template, folder / "lama.db")

    async def older() -> None:
        engine = create_engine("sqlite:///lama.db")
        await downgrade(engine, "-1")
        await engine.dispose()

    asyncio.run(older())
    monkeypatch.setenv("DATABASE_URL", "sqlite:///lama.db")
    said = _refused(["audit", "verify"], capsys)
    assert said == (
        f"Basis data sqlite:///lama.db (DATABASE_URL) belum dimigrasikan ke versi bot ini;"
        f" jalankan: {UPGRADE}"
    )
    assert main(["db", "upgrade"]) == 0 and main(["audit", "verify"]) == 0


def test_an_empty_postgres_database_is_told(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    needs_postgres()  # skipped (or, in CI, failed) without a server
    server = str(postgres_url())
    name = f"disposisi_empty_{secrets.token_hex(3)}"
    _on_server(server, f'CREATE DATABASE "{name}"')
    try:
        url = server.rsplit("/", 1)[0] + "/" + name
        monkeypatch.setenv("DATABASE_URL", url)
        said = _refused(["rekap", "--out", "r.xlsx"], capsys)
        assert said.startswith("Basis data postgresql://") and name in said
        assert "belum disiapkan: tabel-tabelnya belum ada" in said and said.endswith(UPGRADE)
    finally:
        _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
