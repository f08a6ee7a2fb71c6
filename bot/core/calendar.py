"""Working time: the clock of an SOP runs only while the office is open.

Office hours per weekday, national holidays and joint leave days (the `holidays` package, with
the `government` category that holds Indonesia's "cuti bersama"), and a local overrides file.
Pure functions over timezone-aware datetimes: everything in and out is aware, results are UTC,
and the arithmetic happens in the office's time zone. Working minutes are real elapsed minutes
inside office hours, so a window that spans a DST change counts what the clock on the wall
actually ran.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from bot.core.calendar_overrides import DayOverride, OverridesFileError, load_overrides
from bot.core.office_hours import DAY_KEYS, DEFAULT_OFFICE_HOURS, OfficeHours
from bot.core.texts import text

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DayOverride",
    "NoWorkingTimeError",
    "OfficeHours",
    "OverrideConflict",
    "OverridesFileError",
    "UnknownHolidayRegion",
    "WorkCalendar",
    "load_overrides",
]

# A search for the next open day gives up after this many closed days in a row: a calendar
# closed for three years is a configuration mistake, not something to wait for.
MAX_CLOSED_DAYS = 3 * 366
# Working time is counted from here, once per day, for the records' millions of steps
# (`working_minutes_between`); a moment before it is counted the long way.
_ORIGIN = date(2000, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


class NoWorkingTimeError(RuntimeError):
    """No office hours were found within MAX_CLOSED_DAYS days."""

    @classmethod
    def before(cls, day: date, advice: str = "") -> NoWorkingTimeError:
        return cls(f"no office hours in the {MAX_CLOSED_DAYS} days before {day}{advice}")


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is UTC:  # as the database gives it: the records' millions of moments
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


class UnknownHolidayRegion(ValueError):
    """The `holidays` library knows no such country or subdivision; `subdivision` True when
    the country is known and its subdivision is not."""

    def __init__(self, message: str, *, subdivision: bool) -> None:
        super().__init__(message)
        self.subdivision = subdivision


class OverrideConflict(ValueError):
    """Two overrides of one day, or one that opens a day without hours to open it with."""


class WorkCalendar:
    """Office hours, minus holidays and joint leave days, adjusted by local overrides."""

    def __init__(
        self,
        tz: ZoneInfo,
        hours: OfficeHours,
        *,
        country: str = "ID",
        subdivision: str | None = None,
        overrides: Sequence[DayOverride] = (),
    ) -> None:
        if not hours.windows:
            raise ValueError("office hours have no open day: the working clock would never run")
        try:
            probe = holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError as exc:  # what `holidays` raises for an unknown country/subdiv
            known = country.upper() in holidays.list_supported_countries()
            raise UnknownHolidayRegion(f"holidays: {exc}", subdivision=known) from exc
        self.tz = tz
        self.hours = hours
        self.country = country
        self.subdivision = subdivision
        # Joint leave days are in "government"; countries without it get what they have.
        self._categories = tuple(
            c for c in ("public", "government") if c in probe.supported_categories
        )
        self._language = "id" if "id" in (probe.supported_languages or ()) else None
        self._holidays: dict[int, dict[date, str]] = {}
        self._overrides: dict[date, DayOverride] = {}
        for override in overrides:
            if override.day in self._overrides:
                twice = text(
                    "config", "overrides_day_given_twice", day=override.day, line=override.line
                )
                raise OverrideConflict(twice)
            weekday = override.day.weekday()
            if override.open and override.hours is None and weekday not in hours.windows:
                raise OverrideConflict(
                    text(
                        "config",
                        "overrides_open_without_hours",
                        day=override.day,
                        line=override.line,
                        weekday=DAY_KEYS[weekday],
                    )
                )
            self._overrides[override.day] = override
        self._day_periods: dict[date, tuple[datetime, datetime] | None] = {}
        self._open_before: list[int] = [0]  # working µs before _ORIGIN + i days
        # per local day: working µs before it, and its office hours (None: closed)
        self._day_positions: dict[date, tuple[int, datetime | None, datetime | None]] = {}

    def _holidays_in(self, year: int) -> dict[date, str]:
        # One year at a time, on demand: a deadline search never needs more than a year or two.
        cached = self._holidays.get(year)
        if cached is None:
            found = holidays.country_holidays(
                self.country,
                subdiv=self.subdivision,
                years=year,
                categories=self._categories,
                language=self._language,
            )
            cached = self._holidays[year] = {day: str(name) for day, name in found.items()}
        return cached

    def holiday_name(self, day: date) -> str | None:
        """Why this day is closed when it would not be otherwise: the reason of a closing override
        or the holiday's name (also for a holiday on a weekend). None for a working day, a plain
        weekend day, and a day that an override opens or shortens."""
        override = self._overrides.get(day)
        if override is not None:
            return override.reason if override.closed else None
        return self._holidays_in(day.year).get(day)

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """Local opening and closing time of a day, after overrides and holidays; None: closed."""
        override = self._overrides.get(day)
        if override is not None:
            if override.open and override.hours is None:
                return self.hours.windows[day.weekday()]
            return override.hours
        if day in self._holidays_in(day.year):
            return None
        return self.hours.windows.get(day.weekday())

    def _period(self, day: date) -> tuple[datetime, datetime] | None:
        hours = self.hours_on(day)
        if hours is None:
            return None
        opens = datetime.combine(day, hours[0], tzinfo=self.tz).astimezone(UTC)
        closes = datetime.combine(day, hours[1], tzinfo=self.tz).astimezone(UTC)
        # Only a window squeezed inside a DST gap can come out empty or reversed.
        return (opens, closes) if closes > opens else None

    def _periods_from(
        self, moment: datetime, until: datetime | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """The UTC open periods of each day from the local day of `moment` on, up to the local day
        of `until` (without it: never ends)."""
        day = moment.astimezone(self.tz).date()
        last = until.astimezone(self.tz).date() if until is not None else date.max
        closed_run = 0
        while True:
            period = self._period(day)
            if period is None:
                closed_run += 1
                if until is None and closed_run > MAX_CLOSED_DAYS:
                    raise NoWorkingTimeError.before(
                        day, ": check the office hours and the overrides file"
                    )
            else:
                closed_run = 0
                yield period
            if day == last:
                return
            day += timedelta(days=1)

    def is_working_time(self, moment: datetime) -> bool:
        """Inside office hours: opening time included, closing time excluded."""
        moment = _aware(moment, "moment")
        period = self._period(moment.astimezone(self.tz).date())
        return period is not None and period[0] <= moment < period[1]

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself (in UTC) if it is working time, else the next opening."""
        moment = _aware(moment, "moment")
        for opens, closes in self._periods_from(moment):
            if moment < closes:
                return max(opens, moment)
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def next_opening(self, moment: datetime) -> datetime:
        """The first opening of the office strictly after `moment` (UTC)."""
        moment = _aware(moment, "moment")
        for opens, _ in self._periods_from(moment):
            if opens > moment:
                return opens
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def previous_working_day(self, day: date) -> date:
        """The last day before `day` with office hours."""
        for back in range(1, MAX_CLOSED_DAYS + 1):
            earlier = day - timedelta(days=back)
            if self._period(earlier) is not None:
                return earlier
        raise NoWorkingTimeError.before(day)

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment (UTC) when `minutes` of working time have run from `start`.

        The count runs only inside office hours and jumps a whole day at a time. A due time that
        falls exactly on closing time stays there, not at the next opening.
        """
        start = _aware(start, "start")
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
        if minutes == 0:
            return self.next_working_moment(start)
        remaining = timedelta(minutes=minutes)
        for opens, closes in self._periods_from(start):
            begin = max(opens, start)
            if begin >= closes:
                continue
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment (UTC) that "`days` hari kerja" from `start` falls due: the closing time of
        the `days`-th working day after the day of receipt.

        The day of receipt is the local day of `start`, or, outside office hours, of the next
        opening (received at closing time or later counts as received at the next opening). It
        is not counted itself. A working day is a day with office hours after holidays and
        overrides; it closes at that day's own closing time (a shortened day closes early).
        `days` = 0 is the closing of the day of receipt.
        """
        start = _aware(start, "start")
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days must be a whole number >= 0, got {days!r}")
        received = self.next_working_moment(start)
        for counted, (_, closes) in enumerate(self._periods_from(received)):
            if counted == days:
                return closes
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def working_periods(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        """The stretches of working time between start and end, clipped to them, in UTC."""
        # Checked here, not inside the generator, so a naive datetime fails at the call.
        start, end = _aware(start, "start"), _aware(end, "end")
        periods = self._periods_from(start, end) if end > start else iter(())
        return (
            (max(opens, start), min(closes, end))
            for opens, closes in periods
            if max(opens, start) < min(closes, end)
        )

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from start to end; 0 if end is not after start. Counted as the
        difference of two positions on a running count of working time, so its cost does not
        grow with the days between them (the long way, `working_periods`, is the reference)."""
        start, end = _aware(start, "start"), _aware(end, "end")
        if end <= start:
            return 0.0
        begins, ends = self._position(start), self._position(end)
        if begins is None or ends is None:
            total = sum((b - a for a, b in self.working_periods(start, end)), timedelta())
            return total / timedelta(minutes=1)
        return (ends - begins) / 60_000_000

    def _position(self, moment: datetime) -> int | None:
        """Working µs from _ORIGIN to `moment`; None before _ORIGIN."""
        day = moment.astimezone(self.tz).date()
        known = self._day_positions.get(day)
        if known is None:
            if day < _ORIGIN:
                return None
            known = self._day_positions[day] = self._day_position(day)
        before, opens, closes = known
        if opens is None or closes is None or moment <= opens:
            return before
        return before + (min(moment, closes) - opens) // _MICROSECOND

    def _day_position(self, day: date) -> tuple[int, datetime | None, datetime | None]:
        index = (day - _ORIGIN).days
        counted = self._open_before
        while len(counted) <= index:
            period = self._day_period(_ORIGIN + timedelta(days=len(counted) - 1))
            length = (period[1] - period[0]) // _MICROSECOND if period else 0
            counted.append(counted[-1] + length)
        period = self._day_period(day)
        return (counted[index], *period) if period else (counted[index], None, None)

    def _day_period(self, day: date) -> tuple[datetime, datetime] | None:
        if day not in self._day_periods:
            self._day_periods[day] = self._period(day)
        return self._day_periods[day]

    def minutes_late(self, due: datetime | None, now: datetime) -> int:
        """Working minutes by which `due` has passed at `now`, rounded; 0 if it has not."""
        if due is None or now <= due:
            return 0
        return round(self.working_minutes_between(due, now))
