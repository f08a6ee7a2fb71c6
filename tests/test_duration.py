import pytest

from bot.core.sop.duration import (
    format_day_standard,
    format_days,
    format_minutes,
    parse_time_standard,
)
from bot.core.sop.spec import TimeStandard


@pytest.mark.parametrize(
    ("text", "target", "limit"),
    [
        ("5 menit", 5, None),
        ("5 Menit", 5, None),
        ("3 jam", 180, None),
        ("120 menit", 120, None),
        ("1 jam 30 menit", 90, None),
        ("  60   menit ", 60, None),
        ("30-60 menit", 30, 60),
        ("30–60 Menit", 30, 60),  # en dash, as in typeset SOPs
        ("30 - 60 menit", 30, 60),
        ("1-2 jam", 60, 120),
        ("30 menit - 1 jam", 30, 60),
        ("30 s.d. 45 menit", 30, 45),
    ],
)
def test_parses_time_standards(text: str, target: int, limit: int | None) -> None:
    ts = parse_time_standard(text)
    assert (ts.target_minutes, ts.limit_minutes) == (target, limit)
    assert ts.given


def test_keeps_the_text_as_written() -> None:
    assert parse_time_standard("30-60 Menit").text == "30-60 Menit"
    assert parse_time_standard("  1 jam  30 menit ").text == "1 jam 30 menit"


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_time_given(text: str | None) -> None:
    ts = parse_time_standard(text)
    assert ts == TimeStandard(text=None, target_minutes=None)
    assert not ts.given


@pytest.mark.parametrize(
    "text",
    ["lima menit", "5", "menit", "5 detik", "5 menit lagi", "jam 3", "5 menit 5 menit", "0 menit"],
)
def test_rejects_unreadable_times(text: str) -> None:
    with pytest.raises(ValueError, match="tidak dapat membaca waktu") as info:
        parse_time_standard(text)
    assert repr(text) in str(info.value)


def test_message_quotes_the_text() -> None:
    with pytest.raises(ValueError) as info:
        parse_time_standard("lima menit")
    assert str(info.value).startswith("tidak dapat membaca waktu: 'lima menit' — tulis angka")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-3 menit", "waktu tidak boleh negatif"),
        ("5 detik", "satuan 'detik' tidak dikenal; yang dikenal: menit, mnt, jam"),
        ("1 jam 2 jam", "satuan 'jam' ditulis dua kali"),
        ("30", "angka tanpa satuan"),
    ],
)
def test_a_refused_time_says_why(text: str, why: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_time_standard(text)
    assert str(info.value).startswith(f"tidak dapat membaca waktu: {text!r} — ")
    assert why in str(info.value)


@pytest.mark.parametrize(
    ("text", "target", "limit"),
    [
        ("1 hari kerja", 1, None),
        ("1 Hari Kerja", 1, None),
        ("3 hari", 3, None),  # an SOP's time is working time: a day is a working day
        ("10 hari kerja", 10, None),
        ("2 minggu", 10, None),  # a working week is five working days
        ("1 minggu kerja", 5, None),
        ("1-3 hari kerja", 1, 3),
        ("1–3 hari", 1, 3),
        ("10 hari kerja - 17 hari kerja", 10, 17),  # UU 14/2008: 10, extendable by 7
        ("10 s.d. 17 hari kerja", 10, 17),
        ("1-2 minggu", 5, 10),
        ("1 minggu - 10 hari kerja", 5, 10),
    ],
)
def test_parses_day_standards(text: str, target: int, limit: int | None) -> None:
    ts = parse_time_standard(text)
    assert ts == TimeStandard(
        text=text, target_minutes=None, limit_minutes=None, target_days=target, limit_days=limit
    )
    assert ts.given and ts.in_days


def test_minute_standards_are_not_in_days() -> None:
    ts = parse_time_standard("30-60 menit")
    assert ts == TimeStandard(text="30-60 menit", target_minutes=30, limit_minutes=60)
    assert (ts.target_days, ts.limit_days, ts.in_days) == (None, None, False)


@pytest.mark.parametrize(
    "text",
    ["1 hari 2 jam", "1 hari - 3 jam", "3 jam - 1 hari", "1 minggu 2 hari", "2 hari 30 menit"],
)
def test_refuses_days_mixed_with_other_units_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_time_standard(text)
    assert str(info.value).startswith(f"tidak dapat membaca waktu: {text!r} — hari tidak dapat")


@pytest.mark.parametrize("text", ["hari kerja", "3 hari libur", "tiga hari", "hari minggu"])
def test_refuses_unreadable_days(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_time_standard(text)
    # The reason too: digits and working days (tests/test_newcomer_sop.py).
    assert str(info.value).startswith(f"tidak dapat membaca waktu: {text!r} — tulis angka (digit)")


@pytest.mark.parametrize("text", ["0 hari", "0-3 hari kerja", "0 minggu"])
def test_refuses_zero_days(text: str) -> None:
    with pytest.raises(ValueError, match="lebih dari nol"):
        parse_time_standard(text)


@pytest.mark.parametrize("text", ["3-1 hari", "3-3 hari kerja", "2 minggu - 10 hari"])
def test_day_range_limit_must_exceed_target(text: str) -> None:
    with pytest.raises(ValueError, match=r"batas \(.* hari kerja\) harus lebih besar"):
        parse_time_standard(text)


def test_day_standards_in_words() -> None:
    assert format_days(1) == "1 hari kerja"
    assert format_day_standard(parse_time_standard("2 minggu")) == "10 hari kerja"
    assert format_day_standard(parse_time_standard("10-17 hari kerja")) == "10–17 hari kerja"


@pytest.mark.parametrize("text", ["60-30 menit", "30-30 menit", "1 jam - 30 menit"])
def test_range_limit_must_exceed_target(text: str) -> None:
    with pytest.raises(ValueError, match="harus lebih besar"):
        parse_time_standard(text)


def test_range_with_more_than_two_figures_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_time_standard("10-20-30 menit")


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(45, "45 menit"), (60, "1 jam"), (90, "1 jam 30 menit"), (495, "8 jam 15 menit")],
)
def test_format_minutes(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text
