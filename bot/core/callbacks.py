"""Callback data: a short codec, built and parsed here only, matched by one pattern.

Buttons may be pressed days later and by another instance, so the data carries everything
needed (task id and the version it was drawn for) and nothing lives in memory. Telegram allows
1–64 bytes; `encode` refuses more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64


@dataclass(frozen=True)
class Verb:
    meaning: str
    least: int  # how many ids it takes, at least
    most: int  # and at most


# verb -> meaning and arity. Two letters keep the data short; the numbers that follow are ids.
# `decode` refuses a wrong count, so a handler may index the ids it was promised.
VERBS = {
    "ok": Verb("approve (task, version)", 2, 2),
    "no": Verb("reject, then ask the reason (task, version)", 2, 2),
    "dc": Verb("decide (task, version, option index)", 3, 3),
    "fw": Verb("forward: list colleagues (task, version[, page])", 2, 3),
    "fp": Verb("forward to (task, version, official[, 1: without instruction])", 3, 4),
    "up": Verb(
        "attach: ask for the file (task, version[, document index[, 1: the one sent by reply]])",
        2,
        4,
    ),
    "nt": Verb("note: ask for the text (task, version)", 2, 2),
    "hs": Verb("history (proposal[, page])", 1, 2),
    "dl": Verb("send a stored document (document)", 1, 1),
    "ld": Verb("send the case's disposition sheet, a PDF (proposal)", 1, 1),
    "tk": Verb("show a task again (task)", 1, 1),
    "dp": Verb("disposition: whom to (task, version)", 2, 2),
    "dw": Verb("disposition: instruction for (task, version, official)", 3, 3),
    "di": Verb("disposition: give (task, version, official, instruction index)", 4, 4),
    "dq": Verb("disposition: send (task, version)", 2, 2),
    "dr": Verb("disposition: recall (the task it was given on)", 1, 1),
    "dk": Verb("disposition: read, says one it informs (disposition)", 1, 1),
    "ip": Verb("intake: which SOP (index among those offered)", 1, 1),
    "ik": Verb("intake: kind (kind index)", 1, 1),
    "ig": Verb("intake: a case's urgency or security class (level index)", 1, 1),
    "if": Verb("intake: a declared field's choice (option index)", 1, 1),
    "iu": Verb("intake: the agency concerned (unit index)", 1, 1),
    "is": Verb("intake: skip this question", 0, 0),
    "iy": Verb("intake: confirm and register", 0, 0),
    "dg": Verb("delegation: pick the acting official (holder, acting official)", 2, 2),
    "dd": Verb("delegation: for how many days (holder, acting official, days)", 3, 3),
    "xx": Verb("cancel what the bot is waiting for", 0, 0),
}
PATTERN = r"^[a-z]{2}(:\d{1,10}){0,4}$"
# Every id names a row, and rows are numbered in PostgreSQL's `integer`: a larger number names
# nothing (and asyncpg refuses to send it), so it is forged and goes no further than here.
MAX_ID = 2**31 - 1
_MATCH = re.compile(PATTERN)


@dataclass(frozen=True)
class Press:
    verb: str
    args: tuple[int, ...]

    def arg(self, index: int, default: int | None = None) -> int | None:
        return self.args[index] if index < len(self.args) else default


def _fits(verb: str, count: int) -> bool:
    known = VERBS.get(verb)
    return known is not None and known.least <= count <= known.most


def encode(verb: str, *args: int) -> str:
    if not _fits(verb, len(args)):
        raise ValueError(f"unknown callback verb {verb!r} or wrong number of ids {args!r}")
    data = ":".join([verb, *(str(int(a)) for a in args)])
    if len(data.encode()) > MAX_BYTES or not _MATCH.match(data):
        raise ValueError(f"callback data {data!r} does not fit Telegram's limits")
    return data


def decode(data: str | None) -> Press | None:
    """The press, or None for anything this bot did not make (forged or from an old version):
    an unknown verb, or a known one with too few or too many ids."""
    if not data or not _MATCH.match(data):
        return None
    verb, *rest = data.split(":")
    args = tuple(int(x) for x in rest)
    if not _fits(verb, len(args)) or any(a > MAX_ID for a in args):
        return None
    return Press(verb, args)
