"""The "Waktu" (time standard) column of an SOP, read as written by Indonesian offices.

Accepted, in working minutes: "5 menit", "3 jam", "1 jam 30 menit", "120 Menit", and ranges
"30-60 menit" / "30–60 Menit" / "1-2 jam" / "30 menit - 1 jam" (first figure = target, second =
limit).

In working days: "1 hari kerja", "3 hari" (an SOP's time is working time, so a day is a working
day), "2 minggu", "1 minggu kerja" (a week is five working days, the government's working week),
and ranges "1-3 hari kerja", "10 hari kerja - 17 hari kerja". A day standard is not a number of
minutes: it falls due when the office closes on the N-th working day after the day of receipt
(`WorkCalendar.add_working_days`; sops/README.md says it exactly). So one figure holds one unit:
"1 hari 2 jam" is refused, as is a range from days to hours.
"""

from __future__ import annotations

import re

from bot.core.sop.spec import TimeStandard
from bot.core.sop.words import say

# What an author writes in `time:` and `repeat:`: the SOP format's own words for time, read, not
# said, like its field names. They stay here, not in templates/texts/sop.yaml, so that rewording
# a message cannot change which SOP files load; tests/test_sop_texts.py lets these assignments,
# and nothing else of the package, spell Indonesian (INPUT_VOCABULARY).
_UNITS = {"menit": 1, "mnt": 1, "jam": 60}
_DAY_UNITS = {"hari": 1, "minggu": 5}  # working days in each
_WORKING = "kerja"  # "3 hari kerja": the same as "3 hari"
_RANGE_SPLIT = re.compile(r"\s*(?:[-–—]|s\.?\s?d\.?|sampai(?: dengan)?)\s*")

_PART = re.compile(r"(\d+)\s*([a-z]+)?")
_DAY_FIGURE = re.compile(r"(\d+)\s*([a-z]+)(?:\s+([a-z]+))?")
_WORD = re.compile(r"[a-z]+")
_SPELT = re.compile(r"(?<=\d)\s*\([^()\d]*\)")  # a number spelt out after its digits
_UNIT_NAMES = ", ".join([*_UNITS, *_DAY_UNITS])  # for a problem: the units a time is written in


def parse_time_standard(text: str | None) -> TimeStandard:
    """Parse a time standard; None or blank means the SOP gives none.

    Raises ValueError (message in Indonesian, quoting the text) for anything unreadable.
    """
    if text is None or not text.strip():
        return TimeStandard(text=None, target_minutes=None)
    written = " ".join(text.split())
    lowered = written.lower()
    spelt = _SPELT.sub("", written)  # "2 (dua) hari kerja", as letters write it: the digits do
    if spelt != written:
        raise ValueError(say("time_number_spelt", value=written, meant=" ".join(spelt.split())))
    parts = _RANGE_SPLIT.split(lowered)
    if len(parts) > 2:
        raise ValueError(say("unreadable_time", value=written))
    if len(parts) == 2 and not parts[0].strip():  # "-3 menit": a minus, not a range
        raise ValueError(say("time_negative", value=written))
    if any(_DAY_UNITS.keys() & set(_WORD.findall(part)) for part in parts):
        return _day_standard(parts, written)
    if len(parts) == 1:
        return TimeStandard(text=written, target_minutes=_minutes(parts[0], written))
    low_text, high_text = parts
    high = _minutes(high_text, written)
    if low_text.isdigit():
        # "30-60 menit": the first figure borrows the unit of the second.
        unit = _single_unit(high_text, written)
        low = int(low_text) * unit
    else:
        low = _minutes(low_text, written)
    if high <= low:
        raise ValueError(say("limit_not_above_target", value=written, limit=high, target=low))
    return TimeStandard(text=written, target_minutes=low, limit_minutes=high)


def format_minutes(minutes: int) -> str:
    """60 -> "1 jam", 90 -> "1 jam 30 menit", 45 -> "45 menit"."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return say("hours_and_minutes", hours=hours, minutes=rest)
    return say("hours", hours=hours) if hours else say("minutes", minutes=rest)


def format_days(days: int) -> str:
    """3 -> "3 hari kerja"."""
    return say("working_days", days=days)


def format_day_standard(standard: TimeStandard) -> str:
    """A day standard in words: "10 hari kerja", "10–17 hari kerja" (weeks said as days)."""
    assert standard.target_days is not None, "not a standard in days"
    if standard.limit_days is None:
        return format_days(standard.target_days)
    return say("working_days_range", target=standard.target_days, limit=standard.limit_days)


def _day_standard(parts: list[str], written: str) -> TimeStandard:
    """ "3 hari kerja", "2 minggu", "1-3 hari kerja", "10 hari kerja - 17 hari kerja"."""
    high = _days(parts[-1], written)
    if len(parts) == 1:
        return TimeStandard(text=written, target_minutes=None, target_days=high[0])
    low_text = parts[0].strip()
    # "1-3 hari kerja": the first figure borrows the unit of the second, as minutes do.
    low = int(low_text) * high[1] if low_text.isdigit() else _days(low_text, written)[0]
    if low <= 0:
        raise ValueError(say("time_not_above_zero", value=written))
    if high[0] <= low:
        raise ValueError(
            say(
                "day_limit_not_above_target",
                value=written,
                limit=format_days(high[0]),
                target=format_days(low),
            )
        )
    return TimeStandard(text=written, target_minutes=None, target_days=low, limit_days=high[0])


def _days(part: str, written: str) -> tuple[int, int]:
    """One figure in days, "3 hari kerja" or "2 minggu": (working days, days per unit)."""
    part = part.strip()
    match = _DAY_FIGURE.fullmatch(part)
    unit = match.group(2) if match else None
    qualifier = match.group(3) if match else None
    if match is None or unit not in _DAY_UNITS or qualifier not in (None, _WORKING):
        words = _WORD.findall(part)
        if len(re.findall(r"\d+", part)) > 1 or _UNITS.keys() & set(words):
            raise ValueError(say("days_not_mixed", value=written))  # "1 hari 2 jam", "1 hari-3 jam"
        raise ValueError(say("unreadable_days", value=written))  # "dua hari", "2 hari kalender"
    days = int(match.group(1)) * _DAY_UNITS[unit]
    if days <= 0:
        raise ValueError(say("time_not_above_zero", value=written))
    return days, _DAY_UNITS[unit]


def _minutes(part: str, written: str) -> int:
    """One duration without a range: "90 menit", "3 jam", "1 jam 30 menit"."""
    total, pos, seen = 0, 0, []
    part = part.strip()
    for match in _PART.finditer(part):
        between = part[pos : match.start()]
        unit_name = match.group(2)
        if between.strip():
            raise ValueError(say("unreadable_time", value=written))
        if unit_name is None:
            raise ValueError(say("time_without_unit", value=written, units=_UNIT_NAMES))
        if unit_name not in _UNITS:
            raise ValueError(
                say("unknown_time_unit", value=written, unit=unit_name, units=_UNIT_NAMES)
            )
        if unit_name in seen:
            raise ValueError(say("time_unit_twice", value=written, unit=unit_name))
        seen.append(unit_name)
        total += int(match.group(1)) * _UNITS[unit_name]
        pos = match.end()
    if not seen:
        raise ValueError(say("time_without_number", value=written))
    if part[pos:].strip():
        raise ValueError(say("unreadable_time", value=written))
    if total <= 0:
        raise ValueError(say("time_not_above_zero", value=written))
    return total


def _single_unit(part: str, written: str) -> int:
    match = _PART.fullmatch(part.strip())
    if match is None or match.group(2) not in _UNITS:
        raise ValueError(say("unreadable_time", value=written))
    return _UNITS[match.group(2)]
