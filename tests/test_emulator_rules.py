"""The emulator's rules in isolation: Telegram's HTML parse mode with its UTF-16 entities and error
texts, bot_command detection, text limits, inline keyboards and flood control."""

from __future__ import annotations

import pytest

from emulator.entities import EntityParseError, Formatted, bot_commands, trim
from emulator.html_mode import parse_html
from emulator.rules import ApiError, FloodControl, FloodLimits, format_text, parse_reply_markup


def entities(source: str) -> list[tuple[str, int, int]]:
    return [(e["type"], e["offset"], e["length"]) for e in parse_html(source).entities]


def test_plain_tags_and_nesting() -> None:
    parsed = parse_html("<b>a<i>b</i></b> <U>c</U> <s>d</s> <tg-spoiler>e</tg-spoiler>")
    assert parsed.text == "ab c d e"
    assert entities("<b>a<i>b</i></b>") == [("bold", 0, 2), ("italic", 1, 1)]
    assert [e["type"] for e in parsed.entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
    ]
    synonyms = "<strong>1</strong><em>2</em><ins>3</ins><strike>4</strike><del>5</del>"
    assert [t for t, _, _ in entities(synonyms)] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "strikethrough",
    ]


def test_offsets_are_utf16_code_units() -> None:
    assert entities("😀<b>x</b>") == [("bold", 2, 1)]
    assert entities("é<b>😀😀</b>") == [("bold", 1, 4)]


def test_html_entities_decoded() -> None:
    assert parse_html("&lt;&gt;&amp;&quot;&#39;&#x41;&#65").text == "<>&\"'AA"


def test_pre_code_link_spoiler_quote() -> None:
    pre = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert pre.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    code = parse_html('<code class="language-python">x</code>')
    assert code.entities == [{"type": "code", "offset": 0, "length": 1}]
    link = parse_html('<a href="https://example.org/?a=1&amp;b=2">x</a>')
    assert link.entities[0]["url"] == "https://example.org/?a=1&b=2"
    assert parse_html('<a href="example.org">x</a>').entities[0]["url"] == "http://example.org"
    assert parse_html('<a href="javascript:alert(1)">x</a>').entities == []
    assert entities('<span class="tg-spoiler">s</span>') == [("spoiler", 0, 1)]
    assert entities("<blockquote>q</blockquote>") == [("blockquote", 0, 1)]
    assert entities("<blockquote expandable>q</blockquote>") == [("expandable_blockquote", 0, 1)]
    assert entities("<b></b>x") == []  # empty entities vanish


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("Nota dinas <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 11'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("é <foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=https://x.org>x</a>", "Unexpected end of name token at byte offset 8"),
        ("<b class>x</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
        ("PT A & B", 'Unescaped "&" at byte offset 5'),
    ],
)
def test_parse_errors(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value).startswith(error)


def test_bare_ampersand_lenient_like_telegram() -> None:
    assert parse_html("PT A & B &nbsp;", strict_ampersand=False).text == "PT A & B &nbsp;"


def test_trim() -> None:
    trimmed = trim(parse_html("  <b> x </b>\n"))
    assert trimmed == Formatted("x", [{"type": "bold", "offset": 0, "length": 1}])


def test_bot_commands() -> None:
    assert bot_commands("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert bot_commands("/tugas@disposisi_test_bot 12") == [
        {"type": "bot_command", "offset": 0, "length": 25}
    ]
    assert [e["offset"] for e in bot_commands("😀 /help /saya_tugas")] == [3, 9]
    assert bot_commands("a/b /c/d http://x.org/path") == []


def test_format_text_limits() -> None:
    assert format_text("<b>" + "a" * 4096 + "</b>", "HTML", None).text == "a" * 4096
    for text, mode, error in [
        ("a" * 4097, None, "Bad Request: message is too long"),
        ("   ", None, "Bad Request: message text is empty"),
        (None, None, "Bad Request: message text is empty"),
        ("<b>x</b", "html", "Bad Request: can't parse entities: Unclosed end tag at byte offset 4"),
        ("*x*", "MarkdownV2", "Bad Request: unsupported parse_mode"),
        ("x", "Bogus", "Bad Request: unsupported parse_mode"),
    ]:
        with pytest.raises(ApiError) as caught:
            format_text(text, mode, None)
        assert caught.value.description.startswith(error)
        assert caught.value.code == 400
    assert format_text("", None, None, caption=True).text == ""
    with pytest.raises(ApiError, match="message caption is too long"):
        format_text("c" * 1025, None, None, caption=True)


def test_inline_keyboards() -> None:
    row = '[{"text": "A", "callback_data": "a"}, {"text": "B", "url": "t.me/x"}]'
    ok = '{"inline_keyboard": [' + row + "]}"
    assert parse_reply_markup(ok) is not None
    assert parse_reply_markup('{"remove_keyboard": true}') is None
    for markup, error in [
        ({"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "A", "callback_data": ""}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "A"}]]}, "Text buttons are unallowed"),
        (
            {"inline_keyboard": [[{"text": "A", "url": "https://x.org", "callback_data": "a"}]]},
            "exactly one",
        ),
        ({"inline_keyboard": [[{"text": "A", "url": "not a url"}]]}, "BUTTON_URL_INVALID"),
        ({"inline_keyboard": [{"text": "A", "callback_data": "a"}]}, "Array of Arrays"),
        ("{not json", "can't parse reply keyboard markup JSON object"),
    ]:
        with pytest.raises(ApiError, match=error):
            parse_reply_markup(markup)


def test_flood_control() -> None:
    now = [100.0]
    flood = FloodControl(True, FloodLimits(), clock=lambda: now[0])
    assert flood.check(1, is_group=False) is None
    assert flood.check(1, is_group=False) == 1  # one a second in a private chat
    assert flood.check(2, is_group=False) is None  # another chat is fine
    now[0] += 1.0
    assert flood.check(1, is_group=False) is None
    for _ in range(20):
        assert flood.check(-5, is_group=True) is None
    now[0] += 15.0
    assert flood.check(-5, is_group=True) == 45  # twenty a minute in a group
    for chat in range(100, 130):
        assert flood.check(chat, is_group=False) is None
    assert flood.check(999, is_group=False) == 1  # thirty a second overall
    flood.enabled = False
    assert flood.check(999, is_group=False) is None
