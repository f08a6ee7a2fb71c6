"""Callback data: a short codec, built and parsed here only, matched by one pattern.

Buttons may be pressed days later and by another instance, so the data carries everything
needed (task id and the version it was drawn for) and nothing lives in memory. Telegram allows
1–64 bytes; `encode` refuses more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64

# verb -> meaning. Two letters keep the data short; the numbers that follow are ids.
VERBS = {
    "ok": "approve (task, version)",
    "no": "reject, then ask the reason (task, version)",
    "dc": "decide (task, version, option index)",
    "fw": "forward: list colleagues (task, version, page)",
    "fp": "forward to (task, version, official), then ask the instruction",
    "up": "attach: ask for the file (task, version[, document index])",
    "nt": "note: ask for the text (task, version)",
    "hs": "history (proposal)",
    "dl": "send a stored document (document)",
    "tk": "show a task again (task)",
    "ik": "intake: kind (kind index)",
    "iu": "intake: the agency concerned (unit index)",
    "is": "intake: skip this question",
    "iy": "intake: confirm and register",
    "dg": "delegation: pick the acting official (holder, acting official, page)",
    "dd": "delegation: for how many days (holder, acting official, days)",
    "xx": "cancel what the bot is waiting for",
}
PATTERN = r"^[a-z]{2}(:\d{1,12}){0,4}$"
_MATCH = re.compile(PATTERN)


@dataclass(frozen=True)
class Press:
    verb: str
    args: tuple[int, ...]

    def arg(self, index: int, default: int | None = None) -> int | None:
        return self.args[index] if index < len(self.args) else default


def encode(verb: str, *args: int) -> str:
    if verb not in VERBS:
        raise ValueError(f"unknown callback verb {verb!r}")
    data = ":".join([verb, *(str(int(a)) for a in args)])
    if len(data.encode()) > MAX_BYTES or not _MATCH.match(data):
        raise ValueError(f"callback data {data!r} does not fit Telegram's limits")
    return data


def decode(data: str | None) -> Press | None:
    """The press, or None for anything this bot did not make (forged or from an old version)."""
    if not data or not _MATCH.match(data):
        return None
    verb, *rest = data.split(":")
    if verb not in VERBS:
        return None
    return Press(verb, tuple(int(x) for x in rest))
