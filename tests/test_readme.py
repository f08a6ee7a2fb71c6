"""The README is the operators' reference: it must name every setting the bot reads, and give
the two commands a newcomer runs."""

from __future__ import annotations

from pathlib import Path

from bot.core.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_configuration_reference() -> None:
    reference = README[README.index("## Configuration") :]
    missing = [f"`{name.upper()}`" for name in Settings.model_fields]
    missing = [name for name in missing if name not in reference]
    assert missing == []


def test_the_two_commands_are_the_ones_ci_and_a_newcomer_run() -> None:
    block = README[README.index("## Try it") :].split("```sh\n", 1)[1].split("```", 1)[0]
    demo, tests = block.strip().splitlines()
    assert demo.endswith("disposisi demo") and tests.endswith("pytest")
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "\npytest" in ci  # CI runs the README's test command
