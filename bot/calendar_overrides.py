"""The local overrides file of the working-time calendar, and the small text formats it shares
with the office hours (times, "HH:MM-HH:MM" windows, day names).

An office closes for its own reasons (a regional holiday, a "cuti bersama" decided locally, a
half day before the new year) and sometimes works on a national holiday that was moved. Those
days are listed in a small YAML file that an operator edits, so every entry is checked on load
and a mistake is reported with the file and the line, never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_WINDOW = re.compile(r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # canonical, 0 = Monday
_DAYS: dict[str, int] = {
    name: weekday
    for spelling in (
        DAY_KEYS,
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        ["sen", "sel", "rab", "kam", "jum", "sab", "min"],  # Indonesian: Senin .. Minggu
        ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"],
    )
    for weekday, name in enumerate(spelling)
} | {"jum'at": 4}
_KEYS = frozenset({"date", "closed", "hours", "open", "reason"})


class _Constructor(RoundTripConstructor):
    """The round-trip constructor, except that an impossible date (2026-13-01) stays text: the
    entry check then reports it with its line, where ruamel would fail with no position."""

    def construct_lenient_timestamp(self, node: Any) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


# On the subclass only: ruamel's own constructor (used for the SOP files) is left alone.
_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _Constructor.construct_lenient_timestamp
)


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
        raise ValueError(
            f"unknown day {name!r} (use mon tue wed thu fri sat sun or sen sel rab kam jum sab min)"
        ) from None


@dataclass(frozen=True)
class DayOverride:
    """One local exception to the calendar.

    hours None and open False: closed all day. hours None and open True: worked with the normal
    hours of its weekday (a holiday moved). hours given: worked with those hours (a short day, or a
    holiday or weekend day worked with explicit hours).
    """

    day: date
    hours: tuple[time, time] | None
    reason: str
    line: int = 0
    open: bool = False

    @property
    def closed(self) -> bool:
        return self.hours is None and not self.open


class OverridesFileError(ValueError):
    """A bad overrides file; the message names the file and the 1-based line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def load_overrides(path: Path) -> list[DayOverride]:
    """Read and check an overrides file (a YAML list of entries, see tests/data/libur_lokal.yaml).

    An empty file means no overrides. Raises OverridesFileError on the first bad entry.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OverridesFileError(path, None, f"cannot read the file: {exc}") from exc
    try:
        yaml = YAML(typ="rt")
        yaml.Constructor = _Constructor
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise OverridesFileError(path, line, f"not valid YAML: {exc.problem}") from exc
    if data is None:
        return []
    if not isinstance(data, CommentedSeq):
        raise OverridesFileError(path, 1, "expected a list of entries (lines starting with '- ')")

    result: list[DayOverride] = []
    seen: dict[date, int] = {}
    for index, entry in enumerate(data):
        line = data.lc.item(index)[0] + 1
        override = _entry(path, line, entry)
        if override.day in seen:
            raise OverridesFileError(
                path, line, f"{override.day} is already given on line {seen[override.day]}"
            )
        seen[override.day] = line
        result.append(override)
    return result


def _entry(path: Path, line: int, entry: Any) -> DayOverride:
    if not isinstance(entry, CommentedMap):
        raise OverridesFileError(path, line, "an entry must be a mapping with date: and reason:")

    def fail(key: str | None, problem: str) -> OverridesFileError:
        # Point at the offending value when there is one, else at the entry.
        at = entry.lc.value(key)[0] + 1 if key is not None and key in entry else line
        return OverridesFileError(path, at, problem)

    unknown = sorted(str(key) for key in entry if key not in _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")

    day = entry.get("date")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, date) or isinstance(day, datetime):
        raise fail("date", "date: must be a day written YYYY-MM-DD")

    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise fail("reason", "reason: is required (it is shown to users as the cause of a delay)")

    for flag in ("closed", "open"):
        if flag in entry and entry[flag] is not True:
            raise fail(flag, f"{flag}: may only be true (leave it out otherwise)")
    closed, opened = "closed" in entry, "open" in entry

    hours: tuple[time, time] | None = None
    if "hours" in entry:
        if not isinstance(entry["hours"], str):
            raise fail("hours", 'hours: must be quoted text like "07:30-12:00"')
        try:
            hours = parse_window(entry["hours"])
        except ValueError as exc:
            raise fail("hours", str(exc)) from exc

    if closed and (opened or hours is not None):
        raise fail("closed", "closed: true cannot be combined with open: or hours:")
    if not (closed or opened or hours is not None):
        raise fail(None, "say what happens that day: closed: true, open: true or hours:")
    return DayOverride(day=day, hours=hours, reason=reason.strip(), line=line, open=opened)
