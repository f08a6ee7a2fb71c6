"""What several commands say the same way at the console: a message the bot also sends in
Telegram, as terminal text; why a file cannot be written, in the operator's words."""

from __future__ import annotations

from html.parser import HTMLParser
from zoneinfo import ZoneInfo


class _Shown(HTMLParser):
    """What Telegram would show of its HTML: the text without the tags, entities read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def as_text(zone: ZoneInfo, template: str, context: dict[str, object]) -> str:
    """A Telegram template (its own <b> and <i> included) as a terminal shows it.

    Rendered as HTML, so that what officials typed is escaped like the template's own text
    and comes back as typed ("A & B", "<draf>"), then read as Telegram reads it. A
    Renderer(html=False) would print the template's tags."""
    from bot.core.render import Renderer

    parser = _Shown()
    parser.feed(Renderer(zone).render(template, context))
    parser.close()
    return "".join(parser.parts)
