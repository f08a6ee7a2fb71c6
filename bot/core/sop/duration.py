"""The "Waktu" (time standard) column of an SOP, read as written by Indonesian offices.

Accepted: "5 menit", "3 jam", "1 jam 30 menit", "120 Menit", and ranges "30-60 menit" /
"30–60 Menit" / "1-2 jam" / "30 menit - 1 jam" (first figure = target, second = limit).
Days are rejected on purpose: SOP times are working minutes, and "1 hari kerja" depends on the
office's hours, so the author must say how many hours they mean.
"""

from __future__ import annotations

import re

from bot.core.sop.spec import TimeStandard
from bot.core.sop.words import say

# What an author writes in `time:` and `repeat:`: the SOP format's own words for time, read, not
# said, like its field names. They stay here, not in templates/texts/sop.yaml, so that rewording
# a message cannot change which SOP files load; tests/test_sop_texts.py lets these three
# assignments, and nothing else of the package, spell Indonesian (INPUT_VOCABULARY).
_UNITS = {"menit": 1, "mnt": 1, "jam": 60}
_RANGE_SPLIT = re.compile(r"\s*(?:[-–—]|s\.?\s?d\.?|sampai(?: dengan)?)\s*")
_DAYS = re.compile(r"\bhari\b")

_PART = re.compile(r"(\d+)\s*([a-z]+)?")


def parse_time_standard(text: str | None) -> TimeStandard:
    """Parse a time standard; None or blank means the SOP gives none.

    Raises ValueError (message in Indonesian, quoting the text) for anything unreadable.
    """
    if text is None or not text.strip():
        return TimeStandard(text=None, target_minutes=None)
    written = " ".join(text.split())
    lowered = written.lower()
    if _DAYS.search(lowered):
        raise ValueError(say("time_in_days", value=written))
    parts = _RANGE_SPLIT.split(lowered)
    if len(parts) == 1:
        return TimeStandard(text=written, target_minutes=_minutes(parts[0], written))
    if len(parts) != 2:
        raise ValueError(say("unreadable_time", value=written))
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


def _minutes(part: str, written: str) -> int:
    """One duration without a range: "90 menit", "3 jam", "1 jam 30 menit"."""
    total, pos, seen = 0, 0, []
    part = part.strip()
    for match in _PART.finditer(part):
        between = part[pos : match.start()]
        unit_name = match.group(2)
        if between.strip() or unit_name not in _UNITS or unit_name in seen:
            raise ValueError(say("unreadable_time", value=written))
        seen.append(unit_name)
        total += int(match.group(1)) * _UNITS[unit_name]
        pos = match.end()
    if not seen or part[pos:].strip():
        raise ValueError(say("unreadable_time", value=written))
    if total <= 0:
        raise ValueError(say("time_not_above_zero", value=written))
    return total


def _single_unit(part: str, written: str) -> int:
    match = _PART.fullmatch(part.strip())
    if match is None or match.group(2) not in _UNITS:
        raise ValueError(say("unreadable_time", value=written))
    return _UNITS[match.group(2)]
