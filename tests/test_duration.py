import pytest

from bot.core.sop.duration import format_minutes, parse_time_standard
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
    assert str(info.value) == "tidak dapat membaca waktu: 'lima menit'"


def test_rejects_days_with_a_reason() -> None:
    with pytest.raises(ValueError, match="hari tidak didukung"):
        parse_time_standard("2 hari kerja")


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
