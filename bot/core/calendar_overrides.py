"""The local overrides file of the working-time calendar (its "HH:MM-HH:MM" windows are read
as the office hours' are, `bot.core.office_hours`).

An office closes for its own reasons (a regional holiday, a "cuti bersama" decided locally, a
half day before the new year) and sometimes works on a national holiday that was moved. Those
days are listed in a small YAML file that an operator edits, so every entry is checked on load
and a mistake is reported with the file and the line, never silently ignored; in Indonesian
(templates/texts/config.yaml), since the operator who edits the file reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from bot.core.office_hours import parse_window
from bot.core.texts import text as _text

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
        raise OverridesFileError(path, None, _unreadable(exc)) from exc
    try:
        yaml = YAML(typ="rt")
        yaml.Constructor = _Constructor
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        # Told as an SOP file's YAML is: where the mistake was made, the line quoted.
        from bot.core.sop.yamlfile import syntax_problem

        problem = syntax_problem(exc, text, str(path))
        raise OverridesFileError(path, problem.line, problem.message) from exc
    if data is None:
        return []
    if not isinstance(data, CommentedSeq):
        raise OverridesFileError(path, 1, _say("not_a_list"))

    result: list[DayOverride] = []
    seen: dict[date, int] = {}
    for index, entry in enumerate(data):
        line = data.lc.item(index)[0] + 1
        override = _entry(path, line, entry)
        if override.day in seen:
            raise OverridesFileError(
                path, line, _say("day_twice", day=override.day, line=seen[override.day])
            )
        seen[override.day] = line
        result.append(override)
    return result


def _entry(path: Path, line: int, entry: Any) -> DayOverride:
    if not isinstance(entry, CommentedMap):
        raise OverridesFileError(path, line, _say("not_an_entry"))

    def fail(key: str | None, problem: str) -> OverridesFileError:
        # Point at the offending value when there is one, else at the entry.
        at = entry.lc.value(key)[0] + 1 if key is not None and key in entry else line
        return OverridesFileError(path, at, problem)

    unknown = sorted(str(key) for key in entry if key not in _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
        raise fail(unknown[0], _say("unknown_key", name=unknown[0], known=known))

    day = entry.get("date")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, date) or isinstance(day, datetime):
        raise fail("date", _say("bad_date"))

    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise fail("reason", _say("no_reason"))

    for flag in ("closed", "open"):
        if flag in entry and entry[flag] is not True:
            raise fail(flag, _say("only_true", flag=flag))
    closed, opened = "closed" in entry, "open" in entry

    hours: tuple[time, time] | None = None
    if "hours" in entry:
        if not isinstance(entry["hours"], str):
            raise fail("hours", _say("hours_not_text"))
        try:
            hours = parse_window(entry["hours"])
        except ValueError as exc:  # its reason is English, for developers
            raise fail("hours", _say("bad_hours", value=entry["hours"])) from exc

    if closed and (opened or hours is not None):
        raise fail("closed", _say("closed_and_open"))
    if not (closed or opened or hours is not None):
        raise fail(None, _say("what_happens"))
    return DayOverride(day=day, hours=hours, reason=reason.strip(), line=line, open=opened)


def _say(entry: str, **fields: object) -> str:
    return _text("config", f"overrides_{entry}", **fields)


def _unreadable(error: OSError | UnicodeDecodeError) -> str:
    """Why the file could not be read, in the operator's words."""
    if isinstance(error, FileNotFoundError):
        return _say("missing")
    if isinstance(error, IsADirectoryError):
        return _say("a_folder")
    if isinstance(error, PermissionError):
        return _say("not_permitted")
    if isinstance(error, UnicodeDecodeError):
        return _say("not_utf8")
    return _say("unreadable", error=error.strerror or error)
