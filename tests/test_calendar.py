"""Working-time calendar: office hours, Indonesian holidays and joint leave, local overrides.

Dates are real 2026 dates; the holidays they rely on come from the `holidays` package
(public + government categories): 2026-08-17 Hari Kemerdekaan (Mon), 2026-12-24 Cuti Bersama
Natal (Thu), 2026-12-25 Natal (Fri), 2026-05-14 Kenaikan (Thu), 2026-05-15 its Cuti Bersama (Fri),
2027-01-01 Tahun Baru (Fri). The weeks of 2026-06-08 and 2026-06-22 have no holiday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.calendar import (
    DEFAULT_OFFICE_HOURS,
    DayOverride,
    NoWorkingTimeError,
    OfficeHours,
    OverridesFileError,
    WorkCalendar,
    load_overrides,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SAMPLE = Path(__file__).parent / "data" / "libur_lokal.yaml"


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS))


@pytest.fixture(scope="module")
def local_cal() -> WorkCalendar:
    return WorkCalendar(
        JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS), overrides=load_overrides(SAMPLE)
    )


# --- add_working_minutes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        pytest.param(wib(2026, 6, 8, 9), 60, wib(2026, 6, 8, 10), id="inside-hours-same-day"),
        # 30 min to Tuesday's 16:00 close, the other 30 from Wednesday 07:30.
        pytest.param(wib(2026, 6, 9, 15, 30), 60, wib(2026, 6, 10, 8), id="across-closing"),
        pytest.param(wib(2026, 6, 10, 6), 30, wib(2026, 6, 10, 8), id="before-opening"),
        pytest.param(wib(2026, 6, 10, 18), 30, wib(2026, 6, 11, 8), id="after-hours"),
        # Friday closes at 16:30, not 16:00: 30 minutes still fit on Friday.
        pytest.param(wib(2026, 6, 12, 16), 30, wib(2026, 6, 12, 16, 30), id="friday-late-close"),
        pytest.param(wib(2026, 6, 12, 16), 45, wib(2026, 6, 15, 7, 45), id="friday-to-monday"),
        # The SOP's example: 3 h entered Friday 15:00 = 90 min on Friday + 90 from Monday 07:30.
        pytest.param(wib(2026, 6, 12, 15), 180, wib(2026, 6, 15, 9), id="sop-3h-friday-15"),
        pytest.param(wib(2026, 6, 13, 10), 10, wib(2026, 6, 15, 7, 40), id="from-saturday"),
        pytest.param(wib(2026, 6, 14, 23, 59), 5, wib(2026, 6, 15, 7, 35), id="from-sunday-night"),
        # Friday 30 min; Monday 17 August is Independence Day; Tuesday 07:30 + 30.
        pytest.param(wib(2026, 8, 14, 16), 60, wib(2026, 8, 18, 8), id="national-holiday"),
        # Wed 60 min; Thu 24 Dec cuti bersama, Fri 25 Christmas, weekend; Mon 28 07:30 + 60.
        pytest.param(wib(2026, 12, 23, 15), 120, wib(2026, 12, 28, 8, 30), id="joint-leave"),
        # A whole working week: Mon-Thu 4 x 510 + Fri 540 = 2580 minutes, due at Friday's close.
        pytest.param(wib(2026, 6, 22, 7, 30), 2580, wib(2026, 6, 26, 16, 30), id="whole-week"),
        pytest.param(wib(2026, 6, 8, 9, 0), 0.5, wib(2026, 6, 8, 9, 0) + timedelta(seconds=30)),
    ],
)
def test_add_working_minutes(
    cal: WorkCalendar, start: datetime, minutes: float, due: datetime
) -> None:
    result = cal.add_working_minutes(start, minutes)
    assert result == due
    assert result.tzinfo is UTC


def test_a_range_gives_target_before_limit(cal: WorkCalendar) -> None:
    # "30-60 Menit": both counted from the same start, Monday 15:45 (15 min left that day).
    start = wib(2026, 6, 8, 15, 45)
    assert cal.add_working_minutes(start, 30) == wib(2026, 6, 9, 7, 45)
    assert cal.add_working_minutes(start, 60) == wib(2026, 6, 9, 8, 15)


def test_due_exactly_at_closing_stays_that_day(cal: WorkCalendar) -> None:
    assert cal.add_working_minutes(wib(2026, 6, 8, 15), 60) == wib(2026, 6, 8, 16)
    assert cal.add_working_minutes(wib(2026, 6, 8, 7, 30), 510) == wib(2026, 6, 8, 16)
    # From closing time itself the count starts next morning.
    assert cal.add_working_minutes(wib(2026, 6, 8, 16), 1) == wib(2026, 6, 9, 7, 31)


def test_zero_minutes_is_the_next_working_moment(cal: WorkCalendar) -> None:
    assert cal.add_working_minutes(wib(2026, 6, 8, 9), 0) == wib(2026, 6, 8, 9)
    assert cal.add_working_minutes(wib(2026, 6, 8, 16), 0) == wib(2026, 6, 9, 7, 30)
    assert cal.add_working_minutes(wib(2026, 8, 15, 12), 0) == wib(2026, 8, 18, 7, 30)


def test_any_time_zone_in_utc_out(cal: WorkCalendar) -> None:
    # Friday 15:00 WIB is 08:00 UTC and 17:00 in Tokyo: the same moment, the same due time.
    for start in (
        datetime(2026, 6, 12, 8, tzinfo=UTC),
        datetime(2026, 6, 12, 17, tzinfo=timezone(timedelta(hours=9))),
    ):
        due = cal.add_working_minutes(start, 180)
        assert due == datetime(2026, 6, 15, 2, tzinfo=UTC)
        assert due.tzinfo is UTC


def test_large_amount_jumps_whole_days() -> None:
    calls: list[date] = []

    class Counting(WorkCalendar):
        def hours_on(self, day: date) -> tuple[time, time] | None:
            calls.append(day)
            return super().hours_on(day)

    cal = Counting(JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS))
    start = wib(2026, 6, 8, 9)
    due = cal.add_working_minutes(start, 10_000)
    # About 19.5 working days: four weeks of calendar, one look per day.
    assert wib(2026, 7, 2) < due < wib(2026, 7, 7)
    assert len(calls) == len(set(calls)) < 35
    assert cal.working_minutes_between(start, due) == 10_000


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_bad_minutes_refused(cal: WorkCalendar, bad: float) -> None:
    with pytest.raises(ValueError, match="minutes"):
        cal.add_working_minutes(wib(2026, 6, 8, 9), bad)


def test_naive_datetimes_refused(cal: WorkCalendar) -> None:
    naive = datetime(2026, 6, 8, 9)
    aware = wib(2026, 6, 8, 9)
    for call in (
        lambda: cal.add_working_minutes(naive, 5),
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.next_working_moment(naive),
        lambda: cal.is_working_time(naive),
        lambda: cal.working_minutes_between(naive, aware),
        lambda: cal.working_minutes_between(aware, naive),
        lambda: cal.working_periods(aware, naive),
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


# --- add_working_days: "N hari kerja" (sops/README.md) -------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Received Tuesday: Wednesday is the first working day after it, due at its close.
        pytest.param(wib(2026, 6, 9, 10), 1, wib(2026, 6, 10, 16), id="tuesday-1"),
        pytest.param(wib(2026, 6, 9, 10), 3, wib(2026, 6, 12, 16, 30), id="tuesday-3-to-friday"),
        # Friday 15:50 is inside Friday's hours (to 16:30): Friday is the day of receipt.
        pytest.param(wib(2026, 6, 12, 15, 50), 1, wib(2026, 6, 15, 16), id="friday-1550"),
        # The same with Monday 17 August, Independence Day: Tuesday is the first working day.
        pytest.param(wib(2026, 8, 14, 15, 50), 1, wib(2026, 8, 18, 16), id="friday-then-holiday"),
        # Saturday counts as received Monday at opening; due at Tuesday's close.
        pytest.param(wib(2026, 6, 20, 10), 1, wib(2026, 6, 23, 16), id="saturday"),
        # The same, but Tuesday 16 June is Tahun Baru Islam: Wednesday's close.
        pytest.param(wib(2026, 6, 13, 10), 1, wib(2026, 6, 17, 16), id="saturday-then-holiday"),
        # At or after closing counts as the next opening.
        pytest.param(wib(2026, 6, 8, 16), 1, wib(2026, 6, 10, 16), id="monday-at-closing"),
        pytest.param(wib(2026, 6, 8, 15, 59), 1, wib(2026, 6, 9, 16), id="monday-a-minute-before"),
        pytest.param(wib(2026, 6, 8, 18), 1, wib(2026, 6, 10, 16), id="monday-evening"),
        pytest.param(wib(2026, 6, 8, 6), 1, wib(2026, 6, 9, 16), id="monday-before-opening"),
        # Five working days from Monday: the next Monday. "1 minggu kerja" is five.
        pytest.param(wib(2026, 6, 22, 9), 5, wib(2026, 6, 29, 16), id="one-week"),
        # Monday 21 Dec + 10: Tue 22, Wed 23 (Thu 24 cuti bersama, Fri 25 Natal), Mon 28, Tue 29,
        # Wed 30, Thu 31 (Fri 1 Jan Tahun Baru), Mon 4 (Tue 5 Isra Mikraj), Wed 6, Thu 7, Fri 8.
        pytest.param(wib(2026, 12, 21, 10), 10, wib(2027, 1, 8, 16, 30), id="ten-over-new-year"),
        pytest.param(wib(2026, 12, 21, 10), 17, wib(2027, 1, 19, 16), id="seventeen"),
        # Zero: the close of the day of receipt.
        pytest.param(wib(2026, 6, 9, 10), 0, wib(2026, 6, 9, 16), id="zero"),
        pytest.param(wib(2026, 6, 13, 10), 0, wib(2026, 6, 15, 16), id="zero-from-saturday"),
    ],
)
def test_add_working_days(cal: WorkCalendar, start: datetime, days: int, due: datetime) -> None:
    result = cal.add_working_days(start, days)
    assert result == due
    assert result.tzinfo is UTC


def test_working_days_with_local_overrides(local_cal: WorkCalendar, cal: WorkCalendar) -> None:
    start = wib(2026, 12, 21, 10)
    # Thu 31 Dec closed by the office: one working day fewer in the stretch, so a day later.
    assert local_cal.add_working_days(start, 10) == wib(2027, 1, 11, 16)
    # The N-th day is the shortened Monday 28 Dec: due at its own early close.
    assert local_cal.add_working_days(wib(2026, 12, 23, 10), 1) == wib(2026, 12, 28, 12)
    assert cal.add_working_days(wib(2026, 12, 23, 10), 1) == wib(2026, 12, 28, 16)
    # Friday 15 May is opened by the office: received Wed 13, due Friday, not Monday.
    assert local_cal.add_working_days(wib(2026, 5, 13, 9), 1) == wib(2026, 5, 15, 16, 30)
    assert cal.add_working_days(wib(2026, 5, 13, 9), 1) == wib(2026, 5, 18, 16)


def _friday(overrides: list[DayOverride]) -> WorkCalendar:
    return WorkCalendar(JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS), overrides=overrides)


def test_friday_1550_on_a_short_friday_counts_from_monday() -> None:
    # Friday 26 June closes at 11:00 by an override: 15:50 is after closing, so the task counts
    # as received Monday 29 at opening, and "1 hari kerja" is due Tuesday 30 at closing.
    short = _friday([DayOverride(date(2026, 6, 26), (time(7, 30), time(11)), "Jumat pendek")])
    assert short.add_working_days(wib(2026, 6, 26, 15, 50), 1) == wib(2026, 6, 30, 16)
    # Received at 10:50, inside the short day: Friday is the day of receipt, due Monday.
    assert short.add_working_days(wib(2026, 6, 26, 10, 50), 1) == wib(2026, 6, 29, 16)


def test_friday_1550_then_a_closed_monday() -> None:
    closed = _friday([DayOverride(date(2026, 6, 22), None, "Cuti bersama daerah")])
    assert closed.add_working_days(wib(2026, 6, 19, 15, 50), 1) == wib(2026, 6, 23, 16)


def test_working_days_match_the_count_of_open_days(cal: WorkCalendar) -> None:
    # For every start and N: the due moment is a closing, and exactly N open days lie after the
    # day of receipt up to the due day.
    for i, start in enumerate(_starts()[::5]):
        days = 1 + i % 12
        due = cal.add_working_days(start, days)
        received = cal.next_working_moment(start).astimezone(JAKARTA).date()
        due_day = due.astimezone(JAKARTA).date()
        hours = cal.hours_on(due_day)
        assert hours is not None and due == datetime.combine(due_day, hours[1], tzinfo=JAKARTA)
        between = (received + timedelta(days=d) for d in range(1, (due_day - received).days + 1))
        assert sum(cal.hours_on(day) is not None for day in between) == days


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_days_refused(cal: WorkCalendar, bad: int) -> None:
    with pytest.raises(ValueError, match="days"):
        cal.add_working_days(wib(2026, 6, 8, 9), bad)


# --- is_working_time, next_working_moment, working_minutes_between ------------------------


def test_is_working_time_includes_opening_excludes_closing(cal: WorkCalendar) -> None:
    assert cal.is_working_time(wib(2026, 6, 8, 7, 30))
    assert not cal.is_working_time(wib(2026, 6, 8, 7, 29))
    assert not cal.is_working_time(wib(2026, 6, 8, 16))
    assert cal.is_working_time(wib(2026, 6, 12, 16, 15))  # Friday is open until 16:30
    assert not cal.is_working_time(wib(2026, 6, 13, 10))  # Saturday
    assert not cal.is_working_time(wib(2026, 8, 17, 10))  # Independence Day


def test_next_working_moment(cal: WorkCalendar) -> None:
    assert cal.next_working_moment(wib(2026, 6, 8, 10)) == wib(2026, 6, 8, 10)
    assert cal.next_working_moment(wib(2026, 6, 8, 5)) == wib(2026, 6, 8, 7, 30)
    assert cal.next_working_moment(wib(2026, 6, 12, 16, 30)) == wib(2026, 6, 15, 7, 30)
    assert cal.next_working_moment(wib(2026, 12, 23, 17)) == wib(2026, 12, 28, 7, 30)
    assert cal.next_working_moment(wib(2026, 6, 8, 10)).tzinfo is UTC


def test_working_minutes_between(cal: WorkCalendar) -> None:
    assert cal.working_minutes_between(wib(2026, 6, 12, 15), wib(2026, 6, 15, 9)) == 180
    assert cal.working_minutes_between(wib(2026, 6, 13), wib(2026, 6, 14, 23)) == 0  # weekend
    assert cal.working_minutes_between(wib(2026, 6, 9), wib(2026, 6, 8)) == 0  # reversed
    assert cal.working_minutes_between(wib(2026, 8, 17), wib(2026, 8, 18)) == 0  # holiday
    periods = list(cal.working_periods(wib(2026, 6, 12, 15), wib(2026, 6, 15, 9)))
    assert periods == [
        (wib(2026, 6, 12, 15), wib(2026, 6, 12, 16, 30)),
        (wib(2026, 6, 15, 7, 30), wib(2026, 6, 15, 9)),
    ]


def _starts() -> list[datetime]:
    # Every 97 minutes for five weeks around Independence Day: in hours, out of hours, weekends.
    first = wib(2026, 8, 3, 0, 7)
    return [first + timedelta(minutes=97 * i) for i in range(5 * 7 * 24 * 60 // 97)]


def test_between_is_the_inverse_of_add(cal: WorkCalendar) -> None:
    for i, start in enumerate(_starts()):
        minutes = (1, 5, 29.5, 60, 180, 495, 2000)[i % 7]
        due = cal.add_working_minutes(start, minutes)
        assert cal.working_minutes_between(start, due) == pytest.approx(minutes, abs=1e-6)
        # The due time is never earlier than needed: a moment before it has less elapsed.
        assert cal.working_minutes_between(start, due - timedelta(seconds=1)) < minutes


def test_add_is_the_inverse_of_between_for_working_moments(cal: WorkCalendar) -> None:
    starts = _starts()
    for start, end in zip(starts, starts[5:], strict=False):
        if cal.is_working_time(end):
            elapsed = cal.working_minutes_between(start, end)
            if elapsed > 0:
                assert cal.add_working_minutes(start, elapsed) == end


# --- holidays and overrides ---------------------------------------------------------------


def test_holiday_names(cal: WorkCalendar) -> None:
    assert cal.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    name = cal.holiday_name(date(2026, 12, 24))
    assert name is not None and "Cuti Bersama" in name
    assert cal.holiday_name(date(2026, 3, 22)) is not None  # a holiday on a Sunday
    assert cal.holiday_name(date(2026, 6, 8)) is None  # a working Monday
    assert cal.holiday_name(date(2026, 6, 13)) is None  # a plain Saturday
    assert cal.hours_on(date(2026, 8, 17)) is None
    assert cal.hours_on(date(2026, 6, 12)) == (time(7, 30), time(16, 30))
    assert cal.hours_on(date(2026, 6, 13)) is None


def test_sample_overrides_file() -> None:
    overrides = load_overrides(SAMPLE)
    assert overrides == [
        DayOverride(date(2026, 12, 31), None, "Cuti bersama kantor", line=7),
        DayOverride(
            date(2026, 12, 28), (time(7, 30), time(12)), "Jam kerja dipersingkat akhir tahun", 11
        ),
        DayOverride(
            date(2026, 5, 15), None, "Cuti bersama dipindah, kantor tetap buka", 16, open=True
        ),
        DayOverride(date(2026, 10, 10), (time(8), time(12)), "Pelayanan hari Sabtu", 20, True),
    ]
    assert overrides[0].closed and not overrides[2].closed


def test_override_closed_day(local_cal: WorkCalendar) -> None:
    # Wed 30 Dec 15:30: 30 min; Thu 31 closed locally; Fri 1 Jan 2027 New Year; weekend.
    assert local_cal.holiday_name(date(2026, 12, 31)) == "Cuti bersama kantor"
    assert local_cal.add_working_minutes(wib(2026, 12, 30, 15, 30), 60) == wib(2027, 1, 4, 8)


def test_override_shortened_day(local_cal: WorkCalendar, cal: WorkCalendar) -> None:
    assert local_cal.hours_on(date(2026, 12, 28)) == (time(7, 30), time(12))
    assert local_cal.holiday_name(date(2026, 12, 28)) is None
    # Mon 28 Dec 11:00: 60 min until the early close, the rest Tuesday from 07:30.
    assert local_cal.add_working_minutes(wib(2026, 12, 28, 11), 120) == wib(2026, 12, 29, 8, 30)
    assert cal.add_working_minutes(wib(2026, 12, 28, 11), 120) == wib(2026, 12, 28, 13)


def test_override_opens_a_holiday(local_cal: WorkCalendar, cal: WorkCalendar) -> None:
    # Wed 13 May 15:30: 30 min; Thu 14 Ascension; Fri 15 (cuti bersama) opened by the office.
    start = wib(2026, 5, 13, 15, 30)
    assert cal.add_working_minutes(start, 60) == wib(2026, 5, 18, 8)
    assert local_cal.add_working_minutes(start, 60) == wib(2026, 5, 15, 8)
    assert local_cal.hours_on(date(2026, 5, 15)) == (time(7, 30), time(16, 30))
    assert local_cal.holiday_name(date(2026, 5, 15)) is None
    # A Saturday worked with explicit hours.
    assert local_cal.is_working_time(wib(2026, 10, 10, 9))
    assert local_cal.add_working_minutes(wib(2026, 10, 9, 16), 60) == wib(2026, 10, 10, 8, 30)


def test_open_without_hours_on_a_closed_weekday_is_refused() -> None:
    saturday = DayOverride(date(2026, 10, 3), None, "Sabtu kerja", line=4, open=True)
    with pytest.raises(ValueError, match=r"baris 4.*tulis hours:"):
        WorkCalendar(JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS), overrides=[saturday])


# --- guards --------------------------------------------------------------------------------


def test_no_open_day_is_refused() -> None:
    with pytest.raises(ValueError, match="no open day"):
        WorkCalendar(JAKARTA, OfficeHours({}))


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="holidays"):
        WorkCalendar(JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS), country="XX")


def test_search_gives_up_after_years_without_a_working_day() -> None:
    # Open on Saturdays only, and every Saturday of 2026-2030 closed by an override.
    first = date(2026, 1, 3)
    closed = [
        DayOverride(first + timedelta(weeks=w), None, "tutup", line=w + 1) for w in range(5 * 53)
    ]
    cal = WorkCalendar(JAKARTA, OfficeHours.parse("sat 08:00-12:00"), overrides=closed)
    with pytest.raises(NoWorkingTimeError):
        cal.add_working_minutes(wib(2026, 1, 1), 10)
    with pytest.raises(NoWorkingTimeError):
        cal.next_working_moment(wib(2026, 1, 1))
    # A bounded question has an answer, however long it is closed.
    assert cal.working_minutes_between(wib(2026, 1, 1), wib(2030, 1, 1)) == 0


# --- time zones with DST ------------------------------------------------------------------


def test_dst_change_between_friday_and_monday() -> None:
    # Amsterdam moves from CET (+1) to CEST (+2) on Sunday 29 March 2026.
    cal = WorkCalendar(AMSTERDAM, OfficeHours.parse(DEFAULT_OFFICE_HOURS), country="NL")
    friday = datetime(2026, 3, 27, 15, tzinfo=AMSTERDAM)
    due = cal.add_working_minutes(friday, 180)
    assert due == datetime(2026, 3, 30, 9, tzinfo=AMSTERDAM)
    assert due == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert cal.working_minutes_between(friday, due) == 180


@pytest.mark.parametrize(
    ("day", "real_minutes"), [(date(2026, 3, 29), 300), (date(2026, 10, 25), 420)]
)
def test_dst_change_inside_office_hours_counts_real_minutes(day: date, real_minutes: int) -> None:
    # Open 00:00-06:00 on Sundays: the wall clock shows 6 h, but 5 h run in spring, 7 h in autumn.
    cal = WorkCalendar(AMSTERDAM, OfficeHours.parse("sun 00:00-06:00"), country="NL")
    opens = datetime.combine(day, time(0), tzinfo=AMSTERDAM)
    closes = datetime.combine(day, time(6), tzinfo=AMSTERDAM)
    assert cal.working_minutes_between(opens, closes) == real_minutes
    assert cal.add_working_minutes(opens, real_minutes) == closes
    # Two real hours later (aware arithmetic in one zone would add wall-clock hours instead).
    assert cal.add_working_minutes(opens, 120) == opens.astimezone(UTC) + timedelta(hours=2)


# --- OfficeHours.parse ---------------------------------------------------------------------


def test_parse_default() -> None:
    hours = OfficeHours.parse(DEFAULT_OFFICE_HOURS)
    monday_to_thursday = (time(7, 30), time(16))
    assert dict(hours.windows) == {
        0: monday_to_thursday,
        1: monday_to_thursday,
        2: monday_to_thursday,
        3: monday_to_thursday,
        4: (time(7, 30), time(16, 30)),
    }
    assert str(hours) == DEFAULT_OFFICE_HOURS
    assert OfficeHours.parse(str(hours)) == hours
    assert hash(hours) == hash(OfficeHours.parse(DEFAULT_OFFICE_HOURS))


def test_parse_indonesian_names_lists_and_ranges() -> None:
    hours = OfficeHours.parse("Sen-Kam 07:30-16:00; jum 07:30-16:30")
    assert hours == OfficeHours.parse(DEFAULT_OFFICE_HOURS)
    hours = OfficeHours.parse("mon, wed 08:00-12:00; sab 8:00-11:30;")
    assert dict(hours.windows) == {
        0: (time(8), time(12)),
        2: (time(8), time(12)),
        5: (time(8), time(11, 30)),
    }
    assert str(hours) == "mon 08:00-12:00; wed 08:00-12:00; sat 08:00-11:30"
    # A range may wrap around the week.
    assert sorted(OfficeHours.parse("min-kam 08:00-15:00").windows) == [0, 1, 2, 3, 6]


def test_office_hours_are_immutable() -> None:
    hours = OfficeHours.parse(DEFAULT_OFFICE_HOURS)
    with pytest.raises(TypeError):
        hours.windows[5] = (time(8), time(12))  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (" ; ", "empty"),
        ("mon-fri 16:00-08:00", "not after opening"),
        ("mon 08:00-08:00", "not after opening"),
        ("xyz 08:00-12:00", "unknown day 'xyz'"),
        ("mon-fry 08:00-12:00", "unknown day 'fry'"),
        ("mon 25:00-26:00", "bad time '25:00'"),
        ("mon 08:60-12:00", "bad time '08:60'"),
        ("mon 0800-1200", "expected '<days> HH:MM-HH:MM'"),
        ("08:00-12:00", "expected '<days> HH:MM-HH:MM'"),
        ("mon-fri", "expected '<days> HH:MM-HH:MM'"),
        ("mon-tue-wed 08:00-12:00", "bad day range"),
        ("mon-fri 07:30-16:00; fri 07:30-16:30", "fri is given twice"),
        ("sen 08:00-12:00; mon 13:00-15:00", "mon is given twice"),
    ],
)
def test_parse_refuses_malformed(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OfficeHours.parse(text)


# --- load_overrides errors ----------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "libur.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("- date: 2026-12-31\n  reason: x\n", 1, "closed: true, open: true, atau hours:"),
        ("# c\n- date: 2026-13-01\n  closed: true\n  reason: x\n", 2, "YYYY-MM-DD"),
        ("- date: 2026-12-31T10:00:00\n  closed: true\n  reason: x\n", 1, "YYYY-MM-DD"),
        ("- date: 2026-12-31\n  closed: true\n", 1, "reason: wajib diisi"),
        ("- date: 2026-12-31\n  closed: yes\n  reason: x\n", 2, "closed: hanya boleh true"),
        ("- date: 2026-12-31\n  open: false\n  reason: x\n", 2, "open: hanya boleh true"),
        (
            "- date: 2026-12-31\n  hours: '12:00-08:00'\n  reason: x\n",
            2,
            "jam tutup sesudah jam buka",
        ),
        ("- date: 2026-12-31\n  hours: 8\n  reason: x\n", 2, "harus teks bertanda kutip"),
        (
            "- date: 2026-12-31\n  reason: x\n  closed: true\n  hours: '08:00-12:00'\n",
            3,
            "tidak dapat digabung",
        ),
        (
            "- date: 2026-12-31\n  closd: true\n  reason: x\n",
            2,
            "kolom tidak dikenal 'closd' \\(yang ada: closed, date, hours, open, reason\\)",
        ),
        ("- 2026-12-31\n", 1, "setiap butir harus berisi date: dan reason:"),
        ("date: 2026-12-31\n", 1, "harus berupa daftar hari"),
        ("- date: [\n", 1, "YAML tidak sah: '\\[' dibuka di sini tetapi tidak ditutup"),
        (
            "- date: 2026-12-31\n  closed: true\n  reason: a\n"
            "- date: 2026-12-31\n  closed: true\n  reason: b\n",
            4,
            "sudah ditulis di baris 1",
        ),
    ],
)
def test_load_overrides_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(OverridesFileError, match=message) as caught:
        load_overrides(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_load_overrides_empty_and_missing(tmp_path: Path) -> None:
    assert load_overrides(_write(tmp_path, "# nothing yet\n")) == []
    with pytest.raises(OverridesFileError, match="berkas tidak ada"):
        load_overrides(tmp_path / "absent.yaml")


@pytest.mark.parametrize("which", ["national", "local"])
def test_working_minutes_by_the_running_count_equal_the_long_way(
    which: str, cal: WorkCalendar, local_cal: WorkCalendar
) -> None:
    """The records count millions of steps with a running count of working time; it must say
    exactly what summing the working periods says, across holidays, overrides, weekends and
    moments outside hours, for spans of minutes to months."""
    import random

    calendar = cal if which == "national" else local_cal
    rng = random.Random(14)
    origin = wib(2026, 1, 1, 0)
    for _ in range(400):
        start = origin + timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        end = start + timedelta(minutes=rng.choice([7, 95, 600, 2880, 40_000, 90_000]))
        end += timedelta(seconds=rng.randrange(0, 60))
        long_way = sum((b - a for a, b in calendar.working_periods(start, end)), timedelta())
        assert calendar.working_minutes_between(start, end) == long_way / timedelta(minutes=1)
    early, later = wib(1999, 12, 30, 8), wib(2000, 1, 3, 8)  # before the count: the long way
    long_way = sum((b - a for a, b in calendar.working_periods(early, later)), timedelta())
    assert calendar.working_minutes_between(early, later) == long_way / timedelta(minutes=1) > 0
