"""The operator's text catalogue: every entry is a text, and a missing one is named."""

from __future__ import annotations

import string

import pytest

from bot.core import texts
from bot.core.paths import data_dir


def test_every_catalogue_entry_is_a_well_formed_pattern() -> None:
    areas = sorted(path.stem for path in (data_dir("templates") / "texts").glob("*.yaml"))
    for area in areas:
        for key, pattern in texts.catalogue(area).items():
            fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name]
            assert all(name.isidentifier() for name in fields), (area, key, fields)


def test_a_missing_text_names_its_catalogue_and_key() -> None:
    with pytest.raises(KeyError, match=r"texts/nothing_here\.yaml has no text 'x'"):
        texts.text("nothing_here", "x")
