"""Fitting a composed message into Telegram's limits, however long what officials typed was.

Telegram counts a message's text after parsing its HTML (tags take no room, `&amp;` is one
character). We count in UTF-16 code units, which is never less than the characters Telegram
counts, so a text that fits here fits there. A text too long is cut at a line break, else at a
space, near the limit; never inside a tag or an entity. The tags still open are closed, so the
HTML stays valid, and a short mark says the text was cut.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from html.parser import HTMLParser

MAX_TEXT = 4096  # a message's text
MAX_CAPTION = 1024  # a document's caption
MAX_CALLBACK_ANSWER = 200  # the text of a button's answer (a notification or an alert)
LINE_SLACK = 600  # how far back a line break may be to cut there rather than at a space
WORD_SLACK = 60  # how far back a space may be to cut there rather than in a word


def units(text: str) -> int:
    """Length in UTF-16 code units: characters outside the BMP (most emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Piece:
    raw: str  # as in the HTML
    shown: str  # what it shows: "" for a tag, the character for an entity
    opens: str | None = None  # the tag it opens
    closes: str | None = None  # the tag it closes


class _Pieces(HTMLParser):
    """The HTML as tags, entities and single characters, so that any cut between two pieces
    leaves every tag and entity whole."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.pieces: list[_Piece] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.pieces.append(_Piece(self.get_starttag_text() or "", "", opens=tag))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.pieces.append(_Piece(self.get_starttag_text() or "", ""))

    def handle_endtag(self, tag: str) -> None:
        self.pieces.append(_Piece(f"</{tag}>", "", closes=tag))

    def handle_data(self, data: str) -> None:
        self.pieces += [_Piece(char, char) for char in data]

    def handle_entityref(self, name: str) -> None:
        self._entity(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._entity(f"&#{name};")

    def _entity(self, raw: str) -> None:
        self.pieces.append(_Piece(raw, html.unescape(raw)))


def _pieces(text: str) -> list[_Piece]:
    parser = _Pieces()
    parser.feed(text)
    parser.close()
    return parser.pieces


def shown_units(text: str) -> int:
    """The length Telegram sees of this HTML, in UTF-16 code units."""
    return sum(units(p.shown) for p in _pieces(text))


def fit(text: str, mark: str, limit: int = MAX_TEXT) -> str:
    """`text` (Telegram HTML) as it is if it fits in `limit`, else cut to fit with `mark`
    (HTML too) on a line of its own at the end."""
    if units(text) <= limit:  # the source is never shorter than what it shows
        return text
    pieces = _pieces(text)
    if sum(units(p.shown) for p in pieces) <= limit:
        return text
    kept = _cut(pieces, limit - shown_units(mark) - 1)
    return "".join(p.raw for p in kept) + _closing(kept) + "\n" + mark


def _cut(pieces: list[_Piece], budget: int) -> list[_Piece]:
    """The longest start of `pieces` that shows at most `budget` units, ended at a line
    break or a space if there is one near the end, without the blanks and the opening tags
    it would end with."""
    used, end = 0, len(pieces)
    for index, piece in enumerate(pieces):
        used += units(piece.shown)
        if used > budget:
            end = index  # the first piece left out
            break
    end = _boundary(pieces, end, "\n", LINE_SLACK) or _boundary(pieces, end, " ", WORD_SLACK) or end
    kept = pieces[:end]
    while kept and (kept[-1].opens is not None or (kept[-1].shown and kept[-1].shown.isspace())):
        kept.pop()
    return kept


def _boundary(pieces: list[_Piece], end: int, blank: str, slack: int) -> int | None:
    """The index of the last `blank` before `end`, if it is within `slack` units of it."""
    lost = 0
    for index in range(end - 1, -1, -1):
        if pieces[index].shown == blank and pieces[index].raw == blank:
            return index or None
        lost += units(pieces[index].shown)
        if lost > slack:
            return None
    return None


def _closing(kept: list[_Piece]) -> str:
    """The end tags of the tags left open, innermost first."""
    stack: list[str] = []
    for piece in kept:
        if piece.opens is not None:
            stack.append(piece.opens)
        elif piece.closes is not None and stack and stack[-1] == piece.closes:
            stack.pop()
    return "".join(f"</{tag}>" for tag in reversed(stack))


def fit_plain(text: str, mark: str, limit: int) -> str:
    """Plain text (a button's answer) cut at a space to fit in `limit`, ended with `mark`."""
    if units(text) <= limit:
        return text
    budget, used, end = limit - units(mark), 0, len(text)
    for index, char in enumerate(text):
        used += units(char)
        if used > budget:
            end = index  # the first character left out
            break
    cut = text[:end]
    space = cut.rfind(" ")
    if space > 0 and units(cut) - units(cut[:space]) <= WORD_SLACK:
        cut = cut[:space]
    return cut.rstrip() + mark
