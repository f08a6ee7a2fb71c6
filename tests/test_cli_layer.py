"""The operator's tools are the outermost layer: nothing in the product imports `bot.tools`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "handlers", "models", "emulator", "bench", "migrations")
# `python -m bot run` is the console script by another name, so it is a tool too.
TOOLS = (ROOT / "bot" / "tools", ROOT / "bot" / "__main__.py")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_nothing_in_the_product_imports_the_tools() -> None:
    crossing = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if not any(path.is_relative_to(tool) for tool in TOOLS)
        for name in sorted(_imports(path))
        if name == "bot.tools" or name.startswith("bot.tools.")
    ]
    assert crossing == []
