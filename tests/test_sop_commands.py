"""An SOP's own command (`case.command`) is refused when the bot already has it, or when another
SOP of the same SOP_DIR claims it: told with the file and the line, before the bot starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import commands
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.core.sop.registry import SopRegistry
from bot.tools.cli import main
from handlers import COMMANDS
from tests.test_intake_optional import BARE


def _with_command(command: str, code: str = "surat_masuk") -> str:
    text = BARE.replace("code: surat_masuk", f"code: {code}")
    return text.replace("intake:", f"case:\n  noun: surat\n  command: {command}\nintake:")


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_core_knows_every_command_the_handlers_answer() -> None:
    assert {name for name, _, _ in COMMANDS} | {"start"} == commands.BUILT_IN


@pytest.mark.parametrize("command", ["tugas", "status", "baru", "start", "bantuan", "batal"])
def test_a_built_in_command_is_refused_with_its_line(command: str) -> None:
    text = _with_command(command)
    with pytest.raises(SopFileError) as refused:
        load_sop_text(text, "surat.yaml")
    (problem,) = refused.value.problems
    assert problem.file == "surat.yaml"
    assert problem.line == _line_of(text, f"command: {command}")
    assert repr(command) in problem.message and "bawaan" in problem.message


def test_the_seeds_alias_may_be_taken() -> None:
    assert load_sop_text(_with_command("usulan"), "s.yaml").case.command == "usulan"


def test_sop_check_names_the_file_and_line_of_a_built_in_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "surat.yaml"
    text = _with_command("tugas")
    path.write_text(text, encoding="utf-8")
    assert main(["sop", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{_line_of(text, 'command: tugas')}:" in err and "'tugas'" in err


def _two_claiming(tmp_path: Path, command: str = "surat") -> tuple[Path, Path]:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(_with_command(command, "surat_a"), encoding="utf-8")
    b.write_text(_with_command(command, "surat_b"), encoding="utf-8")
    return a, b


def test_a_folder_where_two_sops_claim_one_command_is_refused_naming_both(
    tmp_path: Path,
) -> None:
    a, b = _two_claiming(tmp_path)
    with pytest.raises(SopFileError) as refused:
        SopRegistry(tmp_path)
    problems = refused.value.problems
    assert {p.file for p in problems} == {str(a), str(b)}
    line = _line_of(a.read_text(encoding="utf-8"), "command: surat")
    for problem, other in zip(sorted(problems, key=lambda p: p.file), (b, a), strict=True):
        assert problem.line == line
        assert f"{other}:{line}" in problem.message and "'surat'" in problem.message


def test_two_versions_of_one_sop_may_keep_their_command(tmp_path: Path) -> None:
    text = _with_command("surat")
    (tmp_path / "v1.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(text.replace('version: "1"', 'version: "2"'))
    assert SopRegistry(tmp_path).get("surat_masuk").version == "2"


def test_sop_check_of_several_files_refuses_a_shared_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _two_claiming(tmp_path)
    assert main(["sop", "check", str(a), str(b)]) == 1
    err = capsys.readouterr().err
    assert str(a) in err and str(b) in err and "'surat'" in err


def test_the_bot_does_not_start_on_a_folder_with_a_shared_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_claiming(tmp_path)
    monkeypatch.setenv("SOP_DIR", str(tmp_path))
    assert main(["sop", "roles"]) == 2  # any command that loads SOP_DIR, as `run` does
    assert "'surat'" in capsys.readouterr().err
