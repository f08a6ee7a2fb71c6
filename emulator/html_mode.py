"""Telegram's HTML parse mode, `parse_html`: the parser that reads character references, start
and end tags and their attributes out of a text, following Telegram's own (tdlib's
`parse_html`) with the same rules and the same error texts with byte offsets. One deliberate
difference, on by default: a bare `&` that does not start a valid entity is an error here, while
Telegram keeps it as text. Unescaped text is a bug in the bot (the next `<` in a user's name
breaks the message), so the emulator makes it visible; pass `strict_ampersand=False` for
Telegram's lenient behaviour. What each tag becomes is `emulator.html_tags`.
"""

from __future__ import annotations

from emulator.entities import Entity, EntityParseError, Formatted, char_units
from emulator.html_tags import TAGS, OpenTag, close_tag, drop_code_languages, tag_argument

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\0"


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


class _Parser:
    def __init__(self, source: str, strict_ampersand: bool) -> None:
        self.src = source
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.units = 0
        self.stack: list[OpenTag] = []
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
        self.units += char_units(char)

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
            argument = tag_argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.offset(begin)}'
            )
        self.stack.append(OpenTag(tag, argument, self.units, len(self.out)))
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
            close_tag(self.entities, opened, self.units, self.out)
        self.stack.pop()
        return i + 1


def parse_html(source: str, *, strict_ampersand: bool = True) -> Formatted:
    """Telegram's HTML parse mode: the plain text and its entities, or EntityParseError."""
    result = _Parser(source, strict_ampersand).run()
    drop_code_languages(result.entities)
    return result
