"""Telegram's rules that the emulator enforces: text and caption limits, parse modes, inline
keyboards, and flood control. Every error carries Telegram's own description."""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.entities import Entity, EntityParseError, Formatted, trim
from emulator.html_mode import parse_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_UPLOAD = 50 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# The optional fields of InlineKeyboardButton of which exactly one must be used.
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style", *BUTTON_ACTIONS})
_URL = re.compile(r"(?i)^((https?|tg)://\S+|[\w-]+(\.[\w-]+)+(/\S*)?)$")


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": code, "description": ...}."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def format_text(
    raw: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    caption: bool = False,
    strict_ampersand: bool = True,
) -> Formatted:
    """The text Telegram would store for `raw` sent with `parse_mode` (or explicit `entities`),
    checked against the length limits."""
    raw = raw or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            formatted = parse_html(raw, strict_ampersand=strict_ampersand)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif mode in ("markdown", "markdownv2"):
        raise bad_request(
            f"unsupported parse_mode {parse_mode!r} in the emulator (only HTML is implemented)"
        )
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        formatted = Formatted(raw, _explicit_entities(entities))
    formatted = trim(formatted)
    if caption:
        if len(formatted.text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif not formatted.text:
        raise bad_request("message text is empty")
    elif len(formatted.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return formatted


def _explicit_entities(entities: Any) -> list[Entity]:
    if entities is None:
        return []
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    checked: list[Entity] = []
    for entity in entities:
        if not (
            isinstance(entity, dict)
            and isinstance(entity.get("type"), str)
            and isinstance(entity.get("offset"), int)
            and isinstance(entity.get("length"), int)
        ):
            raise bad_request("can't parse MessageEntity")
        checked.append(dict(entity))
    return checked


def parse_reply_markup(value: Any) -> dict[str, Any] | None:
    """The inline keyboard a message will carry (None for no keyboard or a reply keyboard)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in value:
        if any(key in value for key in ("keyboard", "remove_keyboard", "force_reply")):
            return None  # accepted; a reply keyboard is not part of the message
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = value["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    return {"inline_keyboard": [[_button(button) for button in row] for row in rows]}


def _button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: Object expected")
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"found {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _URL.match(url):
            raise bad_request("BUTTON_URL_INVALID")
    return {key: value for key, value in button.items() if key in _BUTTON_FIELDS}


def buttons_of(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if markup is None:
        return []
    rows: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    return rows


@dataclass
class FloodLimits:
    """Telegram's published limits for bots."""

    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


@dataclass
class FloodControl:
    """Sliding-window counters; `check` records a message or answers the retry_after seconds."""

    enabled: bool = False
    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Callable[[], float] = time.monotonic
    _windows: dict[str, deque[float]] = field(default_factory=dict)

    def reset(self) -> None:
        self._windows.clear()

    def check(self, chat_id: int, is_group: bool) -> int | None:
        if not self.enabled:
            return None
        now = self.clock()
        keyed = [("all", 1.0, self.limits.global_per_second)]
        if is_group:
            keyed.append((f"chat:{chat_id}", 60.0, self.limits.group_per_minute))
        else:
            keyed.append((f"chat:{chat_id}", 1.0, self.limits.private_per_second))
        wait = 0.0
        for key, window, limit in keyed:
            times = self._windows.setdefault(key, deque())
            while times and now - times[0] >= window:
                times.popleft()
            if len(times) >= limit:
                wait = max(wait, window - (now - times[0]))
        if wait > 0:
            return max(1, math.ceil(wait))
        for key, _, _ in keyed:
            self._windows[key].append(now)
        return None
