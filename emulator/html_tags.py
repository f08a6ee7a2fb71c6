"""The tags of Telegram's HTML parse mode and the entity each makes when it closes: `TAGS` (the
start tags Telegram accepts), `OpenTag` (a start tag waiting for its end tag), `tag_argument`
(the one attribute a tag keeps), `close_tag` (the entity a closed tag makes, as tdlib does:
bold, text_link with Telegram's URL check, custom_emoji, blockquote, and `<pre><code
class="language-…">` merged into one `pre` with its language) and `drop_code_languages` (for
a `code` left with a language outside `pre`). Reading the tags out of the text is
`emulator.html_mode`'s part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.entities import Entity, EntityParseError

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


@dataclass
class OpenTag:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output
    start: int  # index in the output characters


def tag_argument(tag: str, name: str, value: str, current: str) -> str:
    """The one attribute a tag keeps (href, language, spoiler class, emoji id); others ignored."""
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    return current


def _link(url: str) -> str | None:
    """Telegram's check of a text_link URL: a URL with an allowed scheme, or a bare domain."""
    url = url.strip()
    if re.match(r"(?i)^(https?|tg|ton)://\S+$", url):
        return url
    if re.match(r"^[\w-]+(\.[\w-]+)+(/\S*)?$", url):
        return "http://" + url
    return None


def close_tag(entities: list[Entity], opened: OpenTag, units: int, out: list[str]) -> None:
    """Add the entity `opened` makes, its end tag read when the output (`out`) is `units` long."""
    offset, length = opened.offset, units - opened.offset
    tag, argument = opened.tag, opened.argument
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE:
        entities.append({"type": _SIMPLE[tag], "offset": offset, "length": length})
    elif tag == "a":
        url = _link(argument or "".join(out[opened.start :]))
        if url is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "tg-emoji":
        if not argument.isdigit():
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
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
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_span and last is not None and last["type"] == "pre" and argument:
            last["language"] = argument
        else:
            entity: Entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument  # becomes pre's language if a pre closes here
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def drop_code_languages(entities: list[Entity]) -> None:
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
