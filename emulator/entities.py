"""Message text as Telegram sees it, shared by the whole emulator: `Formatted` (a text and its
entities), `EntityParseError` (Telegram's "can't parse entities"), lengths in UTF-16 code units
(`utf16_len`, `char_units`), `trim` (Telegram's stripping of whitespace, clipping the entities
with it) and `bot_commands` (the `bot_command` entities Telegram adds to what users type). How
HTML becomes a `Formatted` is `emulator.html_mode`; which tags make which entities is
`emulator.html_tags`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")


class EntityParseError(Exception):
    """The text is not valid for its parse mode; str(error) is Telegram's explanation."""


@dataclass
class Formatted:
    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def char_units(char: str) -> int:
    """How many UTF-16 code units one character takes: 2 beyond the Basic Multilingual Plane."""
    return 2 if ord(char) > 0xFFFF else 1


def trim(formatted: Formatted) -> Formatted:
    """Strip leading and trailing whitespace as Telegram does, clipping the entities to match."""
    text = formatted.text
    stripped_left = text.lstrip()
    left = utf16_len(text[: len(text) - len(stripped_left)])
    stripped = stripped_left.rstrip()
    total = utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return Formatted(stripped, entities)


def bot_commands(text: str) -> list[Entity]:
    """The `bot_command` entities Telegram detects in a message a user sends."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND.finditer(text)
    ]
