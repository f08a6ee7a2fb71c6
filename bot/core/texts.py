"""Operator-facing texts — what the CLI, the SOP checks and the configuration errors print.

They live in one catalogue per area, `templates/texts/<area>.yaml`, beside the officials'
templates, so that all Indonesian a person reads is in `templates/` and none in Python. Each
entry is a `str.format` pattern; the texts are plain (a terminal, not Telegram), so nothing is
escaped. Officials' messages stay Jinja templates (`bot.core.render`): they need loops and escaping.
"""

from __future__ import annotations

from functools import cache

from ruamel.yaml import YAML

from bot.core.paths import data_dir


@cache
def catalogue(area: str) -> dict[str, str]:
    path = data_dir("templates") / "texts" / f"{area}.yaml"
    loaded = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in loaded.items()
    ):
        raise ValueError(f"{path}: each entry must be a name and a text")
    return {key: value.rstrip("\n") for key, value in loaded.items()}


def text(area: str, key: str, **fields: object) -> str:
    """The catalogue's text `key` of `area`, with `fields` put in its `{name}` places."""
    try:
        pattern = catalogue(area)[key]
    except (KeyError, FileNotFoundError):
        raise KeyError(f"templates/texts/{area}.yaml has no text {key!r}") from None
    return pattern.format(**fields)
