"""Message text as Telegram sees it: the HTML parse mode, entities in UTF-16 code units, trimming,
and the `bot_command` entities Telegram adds to what users type.

The HTML parser follows Telegram's own (tdlib's `parse_html`): the same tags, the same attribute
rules and the same error texts with byte offsets. One deliberate difference, on by default: a bare
`&` that does not start a valid entity is an error here, while Telegram keeps it as text. Unescaped
text is a bug in the bot (the next `<` in a user's name breaks the message), so the emulator makes
it visible; pass `strict_ampersand=False` for Telegram's lenient behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\0"
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")


class EntityParseError(Exception):
    """The text is not valid for its parse mode; str(error) is Telegram's explanation."""


@dataclass
class Formatted:
    text: str
    entities: list[Entity] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output
    start: int  # index in the output characters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _char_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at text[pos] == '&': (character, index after it)."""
    end = pos + 1
    n = len(text)
    if end < n and text[end] == "#":
        end += 1
        hexadecimal = end < n and text[end] == "x"
        if hexadecimal:
            end += 1
        digits_start = end
        allowed = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        while end < n and text[end] in allowed:
            end += 1
        digits = text[digits_start:end]
        if not digits or end - pos >= 10:
            return None
        code = int(digits, 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


def _decode_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _link(url: str) -> str | None:
    """Telegram's check of a text_link URL: a URL with an allowed scheme, or a bare domain."""
    url = url.strip()
    if re.match(r"(?i)^(https?|tg|ton)://\S+$", url):
        return url
    if re.match(r"^[\w-]+(\.[\w-]+)+(/\S*)?$", url):
        return "http://" + url
    return None


class _Parser:
    def __init__(self, source: str, strict_ampersand: bool) -> None:
        self.src = source
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.units = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < len(self.src) else "\0"

    def offset(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8"))

    def fail(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def run(self) -> Formatted:
        i, src = 0, self.src
        while i < len(src):
            char = src[i]
            if char == "&":
                decoded = _decode_entity(src, i)
                if decoded is not None:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict_ampersand:
                    raise self.fail(
                        f'Unescaped "&" at byte offset {self.offset(i)}: write it as &amp; '
                        "(the emulator is stricter than Telegram here)"
                    )
            if char != "<":
                self.emit(char)
                i += 1
                continue
            i = self.end_tag(i) if self.at(i + 1) == "/" else self.start_tag(i)
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return Formatted("".join(self.out), self.entities)

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.units += _char_units(char)

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        if i >= len(self.src):
            raise self.fail(f"Unclosed start tag at byte offset {self.offset(begin)}")
        tag = self.src[begin + 1 : i].lower()
        if tag not in TAGS:
            raise self.fail(f'Unsupported start tag "{tag}" at byte offset {self.offset(begin)}')
        argument = ""
        while self.at(i) != ">":
            while i < len(self.src) and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == ">":
                break
            name_start = i
            while self.at(i) not in _SPACES and self.at(i) not in "=>":
                i += 1
            name = self.src[name_start:i]
            if not name:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.offset(begin)}'
                )
            while i < len(self.src) and self.at(i) in _SPACES:
                i += 1
            if self.at(i) != "=":
                if tag == "blockquote" and name.lower() == "expandable" and i < len(self.src):
                    argument = "expandable"
                    continue
                if i >= len(self.src):
                    raise self.fail(f"Unclosed start tag at byte offset {self.offset(begin)}")
                raise self.fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.offset(begin)}'
                )
            i += 1
            while i < len(self.src) and self.at(i) in _SPACES:
                i += 1
            if i >= len(self.src):
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.offset(begin)}')
            value, i = self.attribute_value(begin, i)
            if self.at(i) not in _SPACES and self.at(i) != ">":
                raise self.fail(f"Expected space or end of tag at byte offset {self.offset(i)}")
            argument = self.argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.offset(begin)}'
            )
        self.stack.append(_Open(tag, argument, self.units, len(self.out)))
        return i + 1

    def attribute_value(self, begin: int, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "'\"":
            start = i
            while self.at(i).isascii() and (self.at(i).isalnum() or self.at(i) in ".-"):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != ">":
                raise self.fail(f"Unexpected end of name token at byte offset {self.offset(start)}")
            return self.src[start:i].lower(), i
        end = self.src.find(quote, i + 1)
        if end < 0:
            raise self.fail(f"Unclosed start tag at byte offset {self.offset(begin)}")
        return _decode_attribute(self.src[i + 1 : end]), end + 1

    @staticmethod
    def argument(tag: str, name: str, value: str, current: str) -> str:
        if tag == "a" and name == "href":
            return value
        if tag == "code" and name == "class" and value.startswith("language-"):
            return value[len("language-") :]
        if tag == "span" and name == "class" and value.startswith("tg-"):
            return value[len("tg-") :]
        if tag == "tg-emoji" and name == "emoji-id":
            return value
        return current

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.offset(begin)}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        name = self.src[begin + 2 : i].lower()
        while i < len(self.src) and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.offset(begin)}")
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.offset(begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        if self.units > opened.offset:
            self.close(opened)
        self.stack.pop()
        return i + 1

    def close(self, opened: _Open) -> None:
        offset, length = opened.offset, self.units - opened.offset
        tag, argument = opened.tag, opened.argument
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == offset and last["length"] == length
        if tag in _SIMPLE:
            self.entities.append({"type": _SIMPLE[tag], "offset": offset, "length": length})
        elif tag == "a":
            url = _link(argument or "".join(self.out[opened.start :]))
            if url is not None:
                self.entities.append(
                    {"type": "text_link", "offset": offset, "length": length, "url": url}
                )
        elif tag == "tg-emoji":
            if not argument.isdigit():
                raise self.fail("Invalid custom emoji identifier specified")
            self.entities.append(
                {
                    "type": "custom_emoji",
                    "offset": offset,
                    "length": length,
                    "custom_emoji_id": argument,
                }
            )
        elif tag == "pre":
            if same_span and last is not None and last["type"] == "code" and "language" in last:
                last["type"] = "pre"
            else:
                self.entities.append({"type": "pre", "offset": offset, "length": length})
        elif tag == "code":
            if same_span and last is not None and last["type"] == "pre" and argument:
                last["language"] = argument
            else:
                entity: Entity = {"type": "code", "offset": offset, "length": length}
                if argument:
                    entity["language"] = argument  # becomes pre's language if a pre closes here
                self.entities.append(entity)
        elif tag == "blockquote":
            kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
            self.entities.append({"type": kind, "offset": offset, "length": length})


def _drop_code_languages(entities: list[Entity]) -> None:
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)


def parse_html(source: str, *, strict_ampersand: bool = True) -> Formatted:
    """Telegram's HTML parse mode: the plain text and its entities, or EntityParseError."""
    result = _Parser(source, strict_ampersand).run()
    _drop_code_languages(result.entities)
    return result


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
