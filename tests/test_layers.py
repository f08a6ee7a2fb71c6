"""The layers import one way only (bot/__init__.py draws them; docs/ARCHITECTURE.md explains).

Every import statement in the repository's Python, at module level or inside a function, is
read with `ast` and checked against the table below: a module may import its own layer and the
layers listed for it, and nothing else of the project. Third-party libraries are not checked
here, except that the pure core may not import Telegram or the database.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("bot", "handlers", "models", "emulator", "demo", "bench", "migrations")

CORE = {"bot.core"}
STORAGE = CORE | {"models", "bot.storage"}
SERVICES = STORAGE | {"bot.services"}
RUNTIME = SERVICES | {"bot.runtime"}
HANDLERS = CORE | {"models", "bot.services", "bot.runtime", "handlers"}
APP = RUNTIME | {"handlers", "bot.app"}
PRODUCT = APP | {"bot.tools", "bot"}

# layer → the layers it may import (its own included), most specific first.
MAY_IMPORT: dict[str, set[str]] = {
    "bot.core": CORE,
    "models": {"models"},
    "bot.storage": STORAGE,
    "bot.services": SERVICES,
    "bot.runtime": RUNTIME,
    "handlers": HANDLERS,
    "bot.app": APP,
    "bot.tools": PRODUCT,
    "bot.__main__": {"bot.tools"},
    "bot": {"bot"},  # the package's own __init__
    "migrations": {"models", "bot.core", "bot.storage", "migrations"},
    "emulator": {"emulator"},  # an independent Telegram: knows nothing of the bot
    "demo": PRODUCT | {"emulator", "demo"},
    "bench": PRODUCT | {"emulator", "demo", "bench"},
}
# The one way down from the product to its test double: the CLI's `demo`, `playground` and
# `bench` commands load them inside the command, never when the bot starts.
LAZY_ONLY = {("bot.tools.emulated", "demo"), ("bot.tools.emulated", "bench")}

CORE_FORBIDDEN_LIBRARIES = ("telegram", "sqlalchemy", "asyncpg", "aiohttp", "alembic")


@dataclass(frozen=True)
class Import:
    module: str  # who imports
    target: str  # what, as a dotted name
    line: int
    top_level: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_name(path)
    top = set(map(id, tree.body))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from bot.core import config` imports bot.core.config: check the submodule.
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [Import(module, t, node.lineno, id(node) in top) for t in targets]
    return found


def _layer(name: str) -> str | None:
    for layer in sorted(MAY_IMPORT, key=len, reverse=True):
        if name == layer or name.startswith(layer + "."):
            return layer
    return None


def _within(target: str, layers: set[str]) -> bool:
    return any(target == layer or target.startswith(layer + ".") for layer in layers)


def _sources() -> list[Path]:
    return sorted(p for package in PROJECT for p in (ROOT / package).rglob("*.py"))


def _crossings() -> list[str]:
    wrong: list[str] = []
    for path in _sources():
        for imp in _imports(path):
            if imp.target.split(".")[0] not in PROJECT:
                layer = _layer(imp.module)
                if layer == "bot.core" and imp.target.startswith(CORE_FORBIDDEN_LIBRARIES):
                    wrong.append(f"{path.relative_to(ROOT)}:{imp.line} {imp.target}")
                continue
            layer = _layer(imp.module)
            assert layer is not None, f"{imp.module} belongs to no layer: add it to MAY_IMPORT"
            if _within(imp.target, MAY_IMPORT[layer]):
                continue
            lazy = any(imp.module == who and _within(imp.target, {to}) for who, to in LAZY_ONLY)
            if lazy and not imp.top_level:
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{imp.line} {imp.module} → {imp.target}")
    return wrong


def test_no_import_crosses_a_layer_the_wrong_way() -> None:
    assert _crossings() == []


def test_the_check_sees_a_wrong_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table is not vacuous: a core module importing the services is caught."""
    wrong = ROOT / "bot" / "core" / "_layer_probe.py"
    wrong.write_text("from bot.services import tasks\n\ndef f() -> None:\n    import telegram\n")
    try:
        crossings = _crossings()
    finally:
        wrong.unlink()
    assert any(
        "_layer_probe.py:1 bot.core._layer_probe → bot.services.tasks" in c for c in crossings
    )
    assert any("_layer_probe.py:4 telegram" in c for c in crossings)


def test_the_demo_is_loaded_only_inside_a_command() -> None:
    lazy = [
        imp
        for imp in _imports(ROOT / "bot" / "tools" / "emulated.py")
        if imp.target.startswith(("demo", "bench"))
    ]
    assert lazy, "the demo commands are expected to load the demo package"
    assert not any(imp.top_level for imp in lazy)


@pytest.mark.parametrize(
    "package",
    ["bot", "bot.core", "bot.storage", "bot.services", "bot.runtime", "bot.tools", "demo"],
)
def test_each_layer_says_what_it_may_import(package: str) -> None:
    init = ROOT.joinpath(*package.split(".")) / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text()))
    assert doc and "import" in doc, f"{init} needs a docstring saying what it may import"
