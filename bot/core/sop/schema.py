"""How the spec's dataclasses are written in an SOP file, derived from the dataclasses themselves
so that a field is declared once, in `bot.core.sop.spec`.

A dataclass field is written under its own name, and is required when it has no default. Where
the file says otherwise, the field carries `field(metadata=written(...))`: another name in the
file (`repeat` for `repeat_minutes`), optional although it has no default (`documents`), a
dataclass whose own fields sit in the same mapping (a transition's `to`/`end`), or
`NOT_WRITTEN`: set by the loader, never written (the `line`, the key of a `roles:` entry).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

_METADATA_KEY = "sop_file"


@dataclass(frozen=True)
class Written:
    """How one field appears in the file; the defaults are the rule above."""

    name: str | None = None  # the key in the file, when not the field's name
    required: bool | None = None  # None: required when the field has no default
    inline: bool = False  # a dataclass whose fields are written in this mapping
    absent: bool = False  # not in the file at all


def written(
    name: str | None = None, *, required: bool | None = None, inline: bool = False
) -> Mapping[str, Written]:
    """Metadata for `dataclasses.field`: how the field is written in the SOP file."""
    return {_METADATA_KEY: Written(name, required, inline)}


NOT_WRITTEN: Mapping[str, Written] = {_METADATA_KEY: Written(absent=True)}


def how_written(f: dataclasses.Field[Any]) -> Written:
    found = f.metadata.get(_METADATA_KEY, Written())
    assert isinstance(found, Written)
    return found


def file_name(f: dataclasses.Field[Any]) -> str:
    """The key `f` is written under in the file."""
    return how_written(f).name or f.name


def is_required(f: dataclasses.Field[Any]) -> bool:
    """Whether the file must give `f`."""
    how = how_written(f)
    if how.required is not None:
        return how.required
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def written_fields(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of `cls` written in the file under their own key, in declaration order."""
    return tuple(f for f in dataclasses.fields(cls) if not how_written(f).absent)


@cache
def schema(cls: type[Any]) -> Mapping[str, bool]:
    """The keys of the mapping that `cls` is written as: key -> required, in the order the
    dataclass declares them (the order missing fields are reported in)."""
    hints = typing.get_type_hints(cls)
    found: dict[str, bool] = {}
    for f in written_fields(cls):
        if how_written(f).inline:
            found |= schema(hints[f.name])
        else:
            found[file_name(f)] = is_required(f)
    return found
