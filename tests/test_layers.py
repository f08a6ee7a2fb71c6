"""The layers import one way only (bot/__init__.py draws them; docs/ARCHITECTURE.md explains).

Every import statement in the repository's Python, at module level or inside a function, is
read with `ast` and checked against the table below: a module may import its own layer and the
layers listed for it, and nothing else of the project. Relative imports are resolved, and
`importlib.import_module("…")` / `__import__("…")` with a written name count as imports.
Third-party libraries are not checked here, except that Telegram stays out of everything below
the runtime (the use cases run the same from a job, the CLI or a test) and the database out of
the pure core.
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
# The office's records (issue 14): read through the use cases' context, laid out as files.
RECORDS = SERVICES | {"bot.records"}
RUNTIME = SERVICES | {"bot.runtime"}
# The office's records (register, report, sheet) are read from what the services keep.
RECORDS = SERVICES | {"bot.records"}
# Handlers use the runtime's types and message composition, never the inbox, sender or jobs.
HANDLERS = CORE | {
    "models",
    "bot.services",
    "bot.records",
    "bot.runtime.types",
    "bot.runtime.messages",
    "handlers",
}
APP = RUNTIME | RECORDS | {"handlers", "bot.app"}
PRODUCT = APP | {"bot.tools", "bot"}

# layer → the layers it may import (its own included), most specific first.
MAY_IMPORT: dict[str, set[str]] = {
    "bot.core": CORE,
    "models": {"models"},
    "bot.storage": STORAGE,
    "bot.services": SERVICES,
    "bot.records": RECORDS,
    "bot.runtime": RUNTIME,
    "handlers": HANDLERS,
    "bot.app": APP,
    "bot.tools": PRODUCT,
    "bot.__main__": {"bot.tools"},
    "bot": set(),  # the package's own __init__ (a docstring); a new bot/x.py has no layer
    "migrations": {"models", "bot.core", "bot.storage", "migrations"},
    "emulator": {"emulator"},  # an independent Telegram: knows nothing of the bot
    "demo": PRODUCT | {"emulator", "demo"},
    "bench": PRODUCT | {"emulator", "demo", "bench"},
}
# The one way down from the product to its test double: the CLI's `demo`, `playground` and
# `bench` commands load them inside the command, never when the bot starts.
LAZY_ONLY = {("bot.tools.emulated", "demo"), ("bot.tools.emulated", "bench")}

DATABASE = ("sqlalchemy", "asyncpg", "alembic")
# layer → third-party libraries it may not import
FORBIDDEN_LIBRARIES: dict[str, tuple[str, ...]] = {
    "bot.core": ("telegram", "aiohttp", *DATABASE),
    "models": ("telegram", "aiohttp"),
    "bot.storage": ("telegram",),
    "bot.services": ("telegram",),
    "bot.records": ("telegram",),
}


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


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """`from ..services import x` inside bot.core.y → bot.services."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, *([node.module] if node.module else [])])


def _dynamic(node: ast.Call) -> str | None:
    """The written name in `importlib.import_module("…")` or `__import__("…")`."""
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__")
    )
    first = node.args[0] if node.args else None
    if named and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _imports(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    top = set(map(id, tree.body))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = node.module if node.level == 0 else _absolute(module, is_package, node)
            # `from bot.core import config` imports bot.core.config: check the submodule.
            targets = [f"{source}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and (name := _dynamic(node)) is not None:
            targets = [name]
        else:
            continue
        top_level = id(node) in top
        found += [Import(module, target, node.lineno, top_level) for target in targets]
    return found


def _layer(name: str) -> str | None:
    for layer in sorted(MAY_IMPORT, key=len, reverse=True):
        if name == layer or (layer != "bot" and name.startswith(layer + ".")):
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
            layer = _layer(imp.module)
            if layer is None:
                wrong.append(f"{path.relative_to(ROOT)}: {imp.module} belongs to no layer")
                continue
            if imp.target.split(".")[0] not in PROJECT:
                if imp.target.startswith(FORBIDDEN_LIBRARIES.get(layer, ())):
                    wrong.append(f"{path.relative_to(ROOT)}:{imp.line} {imp.target}")
                continue
            if _within(imp.target, MAY_IMPORT[layer]):
                continue
            lazy = any(imp.module == who and _within(imp.target, {to}) for who, to in LAZY_ONLY)
            if lazy and not imp.top_level:
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{imp.line} {imp.module} → {imp.target}")
    return wrong


def test_no_import_crosses_a_layer_the_wrong_way() -> None:
    assert _crossings() == []


PROBES = {
    "bot/core/_layer_probe.py": (
        "from bot.services import tasks\n"
        "from ..services import gate\n"
        "def f() -> None:\n"
        "    import telegram\n"
        "    importlib.import_module('bot.runtime.sender')\n"
    ),
    "bot/services/_layer_probe.py": "from telegram.ext import Application\n",
    "handlers/_layer_probe.py": "from bot.runtime import sender\n",
    "bot/_layer_probe.py": "from bot.tools import cli\n",
}


def test_the_check_sees_a_wrong_import() -> None:
    """The table is not vacuous: each probe's wrong import is caught, whatever its form."""
    written = [ROOT / name for name in PROBES]
    try:
        for path, source in zip(written, PROBES.values(), strict=True):
            path.write_text(source)
        crossings = "\n".join(_crossings())
    finally:
        for path in written:
            path.unlink(missing_ok=True)
    for expected in (
        "_layer_probe.py:1 bot.core._layer_probe → bot.services.tasks",
        "_layer_probe.py:2 bot.core._layer_probe → bot.services.gate",  # relative
        "core/_layer_probe.py:4 telegram",
        "_layer_probe.py:5 bot.core._layer_probe → bot.runtime.sender",  # importlib
        "services/_layer_probe.py:1 telegram.ext.Application",
        "handlers._layer_probe → bot.runtime.sender",
        "bot._layer_probe belongs to no layer",
    ):
        assert expected in crossings


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
