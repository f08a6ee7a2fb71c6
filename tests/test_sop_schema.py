"""The SOP file's format is declared once, in bot/core/sop/spec.py: the loader's schemas are
derived from the dataclasses (bot/core/sop/schema.py), and sops/README.md documents the same
fields, each required or not as the loader checks it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from bot.core.paths import data_dir
from bot.core.sop import spec
from bot.core.sop.schema import NOT_WRITTEN, schema, written

# The README's tables of fields, by the heading they stand under.
TABLES: dict[str, type] = {
    "## Top level": spec.SopSpec,
    "### `header`": spec.Header,
    "### `roles`": spec.Role,
    "### `intake`": spec.Intake,
    "### `outcomes`": spec.Outcome,
    "### `steps`": spec.Step,
    "#### Transitions (`on_approve`, `on_reject`)": spec.Transition,
    "#### `decision`": spec.Option,
    "### `reminders`": spec.Reminders,
}


def _readme_tables() -> dict[str, dict[str, str]]:
    """heading -> {field: what its "required" column says}, for every table of fields."""
    tables: dict[str, dict[str, str]] = {}
    heading = ""
    lines = (data_dir("sops") / "README.md").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#"):
            heading = line.strip()
        elif re.match(r"\| (option )?field \| required \|", line):
            rows = tables.setdefault(heading, {})
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                names, required = (cell.strip() for cell in row.split("|")[1:3])
                rows |= dict.fromkeys(re.findall(r"`(\w+)`", names), required)
    return tables


@pytest.mark.parametrize("heading", list(TABLES))
def test_the_readme_documents_every_field_the_loader_accepts(heading: str) -> None:
    documented = _readme_tables()[heading]
    accepted = schema(TABLES[heading])
    assert set(documented) == set(accepted), heading
    for name, required in documented.items():
        if required in ("yes", "no"):  # "*" and "exactly one" are checked by the validator
            assert accepted[name] == (required == "yes"), (heading, name)


def test_entries_of_a_keyed_mapping_are_written_as_a_title() -> None:
    # kinds: and documents: are "a mapping from key to {title: ...}" in the README.
    assert schema(spec.Kind) == schema(spec.DocumentKind) == {"title": True}


@dataclass(frozen=True)
class _Inner:
    a: str | None = field(default=None, metadata=written("alias"))
    b: int = 0


@dataclass(frozen=True)
class _Outer:
    needed: str
    inner: _Inner = field(metadata=written(inline=True))
    optional: tuple[str, ...] = field(metadata=written(required=False))
    line: int = field(default=0, metadata=NOT_WRITTEN)
    later: bool = False


def test_a_field_is_written_as_its_metadata_says() -> None:
    assert list(schema(_Outer).items()) == [
        ("needed", True),
        ("alias", False),
        ("b", False),
        ("optional", False),
        ("later", False),
    ]
