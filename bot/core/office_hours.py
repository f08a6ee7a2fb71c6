"""Office hours, and the small text formats they share with the calendar's overrides file:
times ("07:30"), windows ("07:30-16:00") and day names (English or Indonesian, "mon-thu",
"sen,rab").

Reasons for a refusal are English, for developers; the configuration says it again in Indonesian
for the operator (`bot.core.config`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from itertools import groupby
from types import MappingProxyType

DEFAULT_OFFICE_HOURS = "mon-thu 07:30-16:00; fri 07:30-16:30"

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_WINDOW = re.compile(r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # canonical, 0 = Monday
_HARI = ("sen", "sel", "rab", "kam", "jum", "sab", "min")  # Indonesian: Senin .. Minggu
_DAYS: dict[str, int] = {
    name: weekday
    for spelling in (
        DAY_KEYS,
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        _HARI,
        ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"],
    )
    for weekday, name in enumerate(spelling)
} | {"jum'at": 4}
# A segment of the office hours: its days, then one window as parse_window reads it.
_SEGMENT = re.compile(rf"(?P<days>.*?)\s*(?P<window>{_WINDOW.pattern})")


def parse_time(text: str) -> time:
    """Parse "7:30" or "07:30" -> time(7, 30); ValueError otherwise (also for 24:00: a window
    ends within its day)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad time {text!r}: expected HH:MM")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"bad time {text!r}: hours 00-23, minutes 00-59")
    return time(hour, minute)


def parse_window(text: str) -> tuple[time, time]:
    """Parse "07:30-16:00" -> (time(7, 30), time(16, 0)); closing must come after opening."""
    match = _WINDOW.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad hours {text!r}: expected HH:MM-HH:MM")
    opens, closes = parse_time(match[1]), parse_time(match[2])
    if closes <= opens:
        raise ValueError(
            f"bad hours {text!r}: closing time {closes:%H:%M} is not after opening {opens:%H:%M}"
        )
    return opens, closes


def parse_days(text: str) -> list[int]:
    """Parse "mon-thu", "sen,rab", "sun-thu" (ranges may wrap the week) -> weekdays, 0 = Monday.

    English or Indonesian names, short or full, any case."""
    result: list[int] = []
    for item in text.split(","):
        ends = [_weekday(name.strip()) for name in item.split("-")]
        if len(ends) == 1:
            result.append(ends[0])
        elif len(ends) == 2:
            first, last = ends
            result.extend((first + offset) % 7 for offset in range((last - first) % 7 + 1))
        else:
            raise ValueError(f"bad day range {item.strip()!r}")
    return result


def _weekday(name: str) -> int:
    try:
        return _DAYS[name.lower()]
    except KeyError:
        known = f"{' '.join(DAY_KEYS)} or {' '.join(_HARI)}"
        raise ValueError(f"unknown day {name!r} (use {known})") from None


@dataclass(frozen=True)
class OfficeHours:
    """Opening and closing time per weekday (0 = Monday); a weekday that is absent is closed."""

    windows: Mapping[int, tuple[time, time]]

    def __post_init__(self) -> None:
        for weekday, (opens, closes) in self.windows.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday} is not 0 (Monday) .. 6 (Sunday)")
            if closes <= opens or opens.tzinfo is not None or closes.tzinfo is not None:
                raise ValueError(f"{DAY_KEYS[weekday]}: bad hours {opens}-{closes}")
        # Frozen in fact, not only in name: callers cannot change a calendar under our feet.
        object.__setattr__(self, "windows", MappingProxyType(dict(sorted(self.windows.items()))))

    def __hash__(self) -> int:
        return hash(tuple(self.windows.items()))

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Parse "mon-thu 07:30-16:00; fri 07:30-16:30".

        Segments are separated by ";"; each gives days (names, "a-b" ranges, comma lists;
        English or Indonesian, any case) then one HH:MM-HH:MM window. A range may wrap around the
        week ("sun-thu"). One window per day: a day given twice is an error.
        """
        windows: dict[int, tuple[time, time]] = {}
        given_in: dict[int, str] = {}
        for raw in text.split(";"):
            segment = raw.strip()
            if not segment:
                continue
            match = _SEGMENT.fullmatch(segment)
            if match is None or not match["days"]:
                raise ValueError(f"office hours {segment!r}: expected '<days> HH:MM-HH:MM'")
            try:
                window, days = parse_window(match["window"]), parse_days(match["days"])
            except ValueError as exc:
                raise ValueError(f"office hours {segment!r}: {exc}") from exc
            for weekday in days:
                if weekday in windows:
                    raise ValueError(
                        f"office hours: {DAY_KEYS[weekday]} is given twice "
                        f"({given_in[weekday]!r} and {segment!r})"
                    )
                windows[weekday] = window
                given_in[weekday] = segment
        if not windows:
            raise ValueError("office hours are empty: give e.g. 'mon-fri 08:00-16:00'")
        return cls(windows)

    def __str__(self) -> str:
        """The canonical text, e.g. "mon-thu 07:30-16:00; fri 07:30-16:30"; parse() reads it."""
        parts: list[str] = []
        # Runs of consecutive weekdays sharing one window: weekday minus position is constant.
        items = enumerate(self.windows.items())
        for (_, (opens, closes)), run in groupby(items, key=lambda i: (i[1][0] - i[0], i[1][1])):
            days = [DAY_KEYS[weekday] for _, (weekday, _) in run]
            span = days[0] if len(days) == 1 else f"{days[0]}-{days[-1]}"
            parts.append(f"{span} {opens:%H:%M}-{closes:%H:%M}")
        return "; ".join(parts)
