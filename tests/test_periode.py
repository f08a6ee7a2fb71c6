"""The period typed after /laporan and /rekap (bot/records/periode.py), read on its own: each form
the grammar takes, each refusal and what it names; then its answer (templates/periode.j2)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.core.render import Renderer
from bot.records.periode import MAX_TYPED, Asked, Span, Unreadable, parse

CODES = ("kerjasama_pihak_ketiga", "surat_masuk")
SOP = CODES[0]


def _span(typed: str) -> tuple[date, date, str]:
    asked = parse(typed, CODES)
    assert asked.span is not None
    return asked.span.first, asked.span.last, asked.span.label


@pytest.mark.parametrize(
    ("typed", "first", "last", "label"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        ("2026-07", date(2026, 7, 1), date(2026, 7, 31), "2026-07"),
        ("2026-2", date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "2028-02"),  # a leap year
        ("07/2026", date(2026, 7, 1), date(2026, 7, 31), "2026-07"),
        ("12-2026", date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        ("juli 2026", date(2026, 7, 1), date(2026, 7, 31), "2026-07"),
        ("Agu 2026", date(2026, 8, 1), date(2026, 8, 31), "2026-08"),
        ("DESEMBER 2026", date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        ("semester1 2026", date(2026, 1, 1), date(2026, 6, 30), "2026-S1"),
        ("semester 2 2026", date(2026, 7, 1), date(2026, 12, 31), "2026-S2"),
        ("Semester II 2026", date(2026, 7, 1), date(2026, 12, 31), "2026-S2"),
        ("semester-1 2026", date(2026, 1, 1), date(2026, 6, 30), "2026-S1"),
        ("triwulan3 2026", date(2026, 7, 1), date(2026, 9, 30), "2026-T3"),
        ("triwulan IV 2026", date(2026, 10, 1), date(2026, 12, 31), "2026-T4"),
        ("2026-07-15", date(2026, 7, 15), date(2026, 7, 15), "2026-07-15"),
        ("31/12/2026", date(2026, 12, 31), date(2026, 12, 31), "2026-12-31"),
        ("31-12-2026", date(2026, 12, 31), date(2026, 12, 31), "2026-12-31"),
        ("1/2/2026", date(2026, 2, 1), date(2026, 2, 1), "2026-02-01"),  # day first
        ("2026-01-01 2026-06-30", date(2026, 1, 1), date(2026, 6, 30), "2026-01-01_2026-06-30"),
        (
            "01/01/2026 s.d. 30/06/2026",
            date(2026, 1, 1),
            date(2026, 6, 30),
            "2026-01-01_2026-06-30",
        ),
        ("2026-01-01 - 2026-06-30", date(2026, 1, 1), date(2026, 6, 30), "2026-01-01_2026-06-30"),
        ("2026-01 sampai 2026-03", date(2026, 1, 1), date(2026, 3, 31), "2026-01_2026-03"),
        ("juli 2026 desember 2026", date(2026, 7, 1), date(2026, 12, 31), "2026-07_2026-12"),
        ("2025 2026", date(2025, 1, 1), date(2026, 12, 31), "2025_2026"),
        ("2026-06-30 2026-06-30", date(2026, 6, 30), date(2026, 6, 30), "2026-06-30_2026-06-30"),
        ("  2026-07   ", date(2026, 7, 1), date(2026, 7, 31), "2026-07"),
    ],
)
def test_each_form_names_its_days(typed: str, first: date, last: date, label: str) -> None:
    assert _span(typed) == (first, last, label)


def test_the_sop_code_comes_first_and_either_may_be_left_out() -> None:
    assert parse("", CODES) == Asked()
    assert parse(SOP, CODES) == Asked(SOP)
    half = Span(date(2026, 1, 1), date(2026, 6, 30), "2026-S1")
    assert parse(f"{SOP} semester1 2026", CODES) == Asked(SOP, half)
    assert parse("semester1 2026", CODES) == Asked(None, half)


@pytest.mark.parametrize("typed", ["KERJASAMA_PIHAK_KETIGA", "Kerjasama_Pihak_Ketiga"])
def test_an_sop_code_is_read_in_any_case_as_the_sop_writes_it(typed: str) -> None:
    year = Span(date(2026, 1, 1), date(2026, 12, 31), "2026")
    assert parse(f"{typed} 2026", CODES) == Asked(SOP, year)
    assert parse(typed, CODES) == Asked(SOP)
    # One written exactly so comes first, should two differ in case only.
    assert parse("Surat_Masuk", ("surat_masuk", "Surat_Masuk")).sop == "Surat_Masuk"


def _refused(typed: str) -> Unreadable:
    with pytest.raises(Unreadable) as refused:
        parse(typed, CODES)
    return refused.value


@pytest.mark.parametrize(
    ("typed", "given"),
    [
        ("tidak_ada", "tidak_ada"),
        ("tidak_ada 2026", "tidak_ada"),
        ("kerjasama", "kerjasama"),  # a code is named whole
        ("ju 2026", "ju"),  # two letters name no month
    ],
)
def test_a_first_word_that_is_no_sop_nor_a_period_is_an_unknown_sop(typed: str, given: str) -> None:
    refused = _refused(typed)
    assert (refused.reason, refused.details) == ("sop", {"given": given})


@pytest.mark.parametrize(
    ("typed", "given"),
    [
        ("2026-13", "2026-13"),
        ("2026-13-01", "2026-13-01"),
        ("30/02/2026", "30/02/2026"),
        ("31/04/2026", "31/04/2026"),
        ("12/31/2026", "12/31/2026"),  # month first is not how the office writes it
        ("0000", "0000"),
        ("26", "26"),  # a year has four digits
        ("2026/07/15", "2026/07/15"),
        ("20260715", "20260715"),
        ("juli", "juli"),  # a month needs its year
        ("juli duaribu", "juli duaribu"),
        ("semester 3 2026", "semester 3"),
        ("triwulan5 2026", "triwulan 5"),
        ("semester 2026", "semester 2026"),  # the half's number left out
        ("semester1", "semester 1"),
        ("2026 kerjasama_pihak_ketiga", "kerjasama_pihak_ketiga"),  # the code comes first
        ("2026-01-01 s.d.", "2026-01-01 s.d."),
        (f"{SOP} 2026-01-01 sampai kemarin", "kemarin"),
        ("²²/01/2026", "²²/01/2026"),
    ],
)
def test_what_is_no_period_is_named(typed: str, given: str) -> None:
    refused = _refused(typed)
    assert (refused.reason, refused.details) == ("tanggal", {"given": given})


@pytest.mark.parametrize(
    ("typed", "given"),
    [
        ("2026 2026 2026", "2026"),  # each a year: the extra one is what is wrong
        ("2026-01-01 2026-06-30 2026-12-31", "2026-12-31"),
        (f"{SOP} juli 2026 desember 2026 saja", "saja"),
        ("2026 s.d. 2027 2028 2029", "2028 2029"),
    ],
)
def test_words_after_a_whole_period_are_too_many(typed: str, given: str) -> None:
    refused = _refused(typed)
    assert (refused.reason, refused.details) == ("banyak", {"given": given})


def test_a_start_after_the_end_is_refused_with_both() -> None:
    refused = _refused("2026-07-01 2026-06-30")
    assert refused.reason == "terbalik"
    assert refused.details == {"first": date(2026, 7, 1), "last": date(2026, 6, 30)}
    assert _refused("semester2 2026 2026-03").reason == "terbalik"


def test_too_long_is_refused_before_it_is_read() -> None:
    refused = _refused("2026 " * 1000)
    assert refused.details == {"length": 5000, "limit": MAX_TYPED}
    assert parse(f"{SOP} 01/01/2026 s.d. 31/12/2026", CODES).sop == SOP  # a long real one fits


def test_the_calendar_ends_are_read() -> None:
    assert _span("9999") == (date(9999, 1, 1), date(9999, 12, 31), "9999")
    assert _span("0001-01-01 31/12/9999")[:2] == (date(1, 1, 1), date(9999, 12, 31))


# -- the answer -------------------------------------------------------------------------------


def _answer(typed: str) -> str:
    refused = _refused(typed)
    values = {
        "command": "laporan",
        "reason": refused.reason,
        "details": refused.details,
        "codes": list(CODES),
        "year": 2026,
    }
    return Renderer(ZoneInfo("Asia/Jakarta")).render("periode", values)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("tidak_ada", "SOP «tidak_ada» tidak ada. Kode SOP: kerjasama_pihak_ketiga, surat_masuk."),
        ("2026-13-01", "«2026-13-01» bukan periode yang dikenal."),
        ("2026-07-01 2026-06-30", "Tanggal awal 1 Jul 2026 jatuh sesudah tanggal akhir 30 Jun"),
        ("x" * 5000, "Terlalu panjang: 5.000 karakter, paling banyak 120."),
        ("2026 2026 2026", "Terlalu banyak kata: «2026» berlebih."),
    ],
)
def test_each_refusal_says_why_then_how_to_write_it(typed: str, said: str) -> None:
    shown = _answer(typed)
    assert shown.startswith(said)
    assert "/laporan kerjasama_pihak_ketiga 2026-01-01 2026-06-30" in shown
    assert "/laporan semester1 2026" in shown and "/laporan 31/12/2026" in shown
    assert len(shown) < 400


def test_what_was_typed_is_escaped() -> None:
    assert "«&lt;b&gt;» bukan periode" in _answer("2026 <b>")
    assert "SOP «&lt;i&gt;x» tidak ada" in _answer("<i>x")


@pytest.mark.parametrize(
    ("given", "first", "last"),
    [
        ("2026-07-15", date(2026, 7, 15), date(2026, 7, 15)),
        ("15/07/2026", date(2026, 7, 15), date(2026, 7, 15)),
        ("2026-06", date(2026, 6, 1), date(2026, 6, 30)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("semester2 2026", date(2026, 7, 1), date(2026, 12, 31)),
    ],
)
def test_the_consoles_from_and_to_read_a_period_as_its_first_and_last_day(
    given: str, first: date, last: date
) -> None:
    """`disposisi rekap --from 2026-01 --to 2026-06` is the first half year: --from takes the
    first day of what it is given, --to the last."""
    from bot.tools.options import bound_day

    assert bound_day(given, "--from", last=False) == first
    assert bound_day(given, "--to", last=True) == last


def test_the_console_refuses_what_is_no_period(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.tools.options import bound_day

    assert bound_day(None, "--from", last=False) is None
    with pytest.raises(ValueError):
        bound_day("kemarin", "--from", last=False)
    assert "--from: bukan tanggal yang dikenal: 'kemarin'" in capsys.readouterr().err
