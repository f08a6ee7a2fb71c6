"""What an official types after /laporan and /rekap: an SOP code, a period, both or neither.

    [KODE_SOP] [PERIODE]
    PERIODE = BAGIAN [[s.d. | sampai | -] BAGIAN]  the first day of one to the last of the other
    BAGIAN  = 2026                                 a year
            | 2026-07 | 07/2026 | juli 2026        a month (its name, or 3 letters of it or more)
            | semester1 2026 | semester II 2026   a half year (1, 2 or I, II; a space or not)
            | triwulan3 2026 | triwulan 3 2026    a quarter (1–4 or I–IV)
            | 2026-07-15 | 15/07/2026 | 15-07-2026  a day (day first, as the office writes it)

Pure: no database, no Telegram. The handler turns the days into a `cases.Period` in the office's
zone; a refusal (`Unreadable`) names what was wrong, for its template (templates/periode.j2).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.render import MONTH_NAMES

MAX_TYPED = 120  # characters: an SOP code and two dates fit in well under this
SEPARATORS = frozenset({"s.d.", "s.d", "sd", "s/d", "sampai", "hingga", "-", "–", "—"})
PARTS = {"semester": (2, "S"), "triwulan": (4, "T")}  # parts of a year, and their label's sign
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

_YEAR = re.compile(r"\d{4}")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[/-](\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})")
_PART = re.compile(r"(semester|triwulan)-?(\d|i{1,3}|iv)?")


@dataclass(frozen=True)
class Span:
    """The days from `first` to `last`, both included; `label` names it in a file's name
    ("2026", "2026-07", "2026-S1", "2026-T3", "2026-07-15", "2026-01-01_2026-06-30")."""

    first: date
    last: date
    label: str


@dataclass(frozen=True)
class Asked:
    sop: str | None = None
    span: Span | None = None


class Unreadable(ValueError):
    """Why the words cannot be read. `reason`: "panjang" (too long: `length`), "sop" (the first
    word is no SOP code nor a period: `given`), "tanggal" (`given` is no period), "banyak"
    (a period read, then more words: `given`), "terbalik" (`first` after `last`)."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def parse(typed: str, codes: Collection[str]) -> Asked:
    """The SOP (one of `codes`, first if given) and the period of `typed`; Unreadable if not."""
    if len(typed) > MAX_TYPED:
        raise Unreadable("panjang", length=len(typed), limit=MAX_TYPED)
    words = typed.split()
    sop = _code(words[0], codes) if words else None
    if sop is not None:
        words.pop(0)
    elif words and not _starts_period(words[0].lower()):
        raise Unreadable("sop", given=words[0])
    return Asked(sop, _span([w.lower() for w in words]) if words else None)


def span_of(typed: str) -> Span:
    """A period alone, as the console's --from and --to take it ("2026-07", "15/07/2026",
    "semester1 2026"); Unreadable if it is none."""
    words = typed.lower().split()
    if not words or len(typed) > MAX_TYPED:
        raise Unreadable("tanggal", given=typed[:MAX_TYPED])
    return _span(words)


def _code(word: str, codes: Collection[str]) -> str | None:
    """The SOP code `word` names, in any case ("KERJASAMA_PIHAK_KETIGA"), as the SOP writes it;
    one written exactly so comes first."""
    if word in codes:
        return word
    return next((code for code in codes if code.lower() == word.lower()), None)


def _starts_period(word: str) -> bool:
    return word[:1].isdigit() or _PART.fullmatch(word) is not None or _month(word) is not None


def _span(words: list[str]) -> Span:
    first, at = _part(words, 0)
    if at == len(words):
        return first
    if words[at] in SEPARATORS:
        at += 1
    if at == len(words):
        raise Unreadable("tanggal", given=" ".join(words))
    last, at = _part(words, at)
    if at != len(words):  # each word read, but more follow: no period has three parts
        raise Unreadable("banyak", given=" ".join(words[at:]))
    if first.first > last.last:
        raise Unreadable("terbalik", first=first.first, last=last.last)
    return Span(first.first, last.last, f"{first.label}_{last.label}")


def _part(words: list[str], at: int) -> tuple[Span, int]:
    """The span that begins at `words[at]`, and where the next one would begin."""
    word = words[at]
    part = _PART.fullmatch(word)
    if part is not None:
        number, at = (part[2], at + 1) if part[2] else (_at(words, at + 1, word), at + 2)
        named = f"{part[1]} {number}"
        which = _which(part[1], number, named)
        return _of_year(part[1], which, _year(words, at, named)), at + 1
    month = _month(word)
    if month is not None:
        return _month_span(_year(words, at + 1, word), month), at + 2
    return _numeric(word), at + 1


def _numeric(word: str) -> Span:
    try:
        if _YEAR.fullmatch(word):
            year = int(word)
            return Span(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
        if found := _ISO_MONTH.fullmatch(word):
            return _month_span(int(found[1]), int(found[2]))
        if found := _MONTH_YEAR.fullmatch(word):
            return _month_span(int(found[2]), int(found[1]))
        if found := _ISO_DAY.fullmatch(word):
            return _day(date(int(found[1]), int(found[2]), int(found[3])))
        if found := _DAY_FIRST.fullmatch(word):
            return _day(date(int(found[3]), int(found[2]), int(found[1])))
    except ValueError:  # a month 13, a 30 February, a year 0
        pass
    raise Unreadable("tanggal", given=word)


def _day(day: date) -> Span:
    return Span(day, day, day.isoformat())


def _month_span(year: int, month: int) -> Span:
    try:
        first = date(year, month, 1)
    except ValueError:
        raise Unreadable("tanggal", given=f"{year:04d}-{month:02d}") from None
    return Span(first, _last_day(year, month), f"{year:04d}-{month:02d}")


def _which(kind: str, number: str, named: str) -> int:
    """Which half year or quarter: 1, 2… or I, II…"""
    which = ROMAN.get(number) or (int(number) if number.isascii() and number.isdigit() else 0)
    if not 1 <= which <= PARTS[kind][0]:
        raise Unreadable("tanggal", given=named)
    return which


def _of_year(kind: str, which: int, year: int) -> Span:
    count, sign = PARTS[kind]
    months = 12 // count
    start = (which - 1) * months + 1
    try:
        first = date(year, start, 1)
    except ValueError:
        raise Unreadable("tanggal", given=str(year)) from None
    return Span(first, _last_day(year, start + months - 1), f"{year:04d}-{sign}{which}")


def _last_day(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _month(word: str) -> int | None:
    """A month by its Indonesian name or the name's first three letters or more ("agu")."""
    if len(word) < 3:
        return None
    found = [n for n, name in enumerate(MONTH_NAMES, start=1) if name.lower().startswith(word)]
    return found[0] if len(found) == 1 else None


def _at(words: list[str], at: int, after: str) -> str:
    if at >= len(words):
        raise Unreadable("tanggal", given=after)
    return words[at]


def _year(words: list[str], at: int, after: str) -> int:
    word = _at(words, at, after)
    if not _YEAR.fullmatch(word):
        raise Unreadable("tanggal", given=f"{after} {word}")
    return int(word)
