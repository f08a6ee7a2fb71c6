"""The benchmark harness's own arithmetic and report (the figures themselves are measured by
`disposisi bench`, never asserted)."""

from __future__ import annotations

from pathlib import Path

from bench.drive import Tally, _quantile
from bench.footprint import filesystem
from bench.report import table
from bench.scenarios import ratio


def test_quantiles_and_a_summary() -> None:
    tally = Tally(latencies=[i / 1000 for i in range(1, 101)], errors=2, seconds=4.0)
    summary = tally.summary()
    assert summary["approvals"] == 100 and summary["per_second"] == 25.0
    assert (summary["p50_ms"], summary["p99_ms"]) == (50.5, 99.0)  # inclusive method
    assert summary["errors"] == 2
    assert _quantile([], 0.5) == 0.0 and _quantile([7.0], 0.99) == 7.0


def test_the_ratio_is_per_concurrency_and_only_where_both_ran() -> None:
    base = {"1": {"per_second": 200.0}, "8": {"per_second": 250.0}, "32": {"per_second": 0}}
    real = {"1": {"per_second": 50.0}, "8": {"per_second": 200.0}}
    assert ratio(real, base) == {"1": 0.25, "8": 0.8}


def test_the_table_shows_figures_skips_and_failures_side_by_side() -> None:
    row = {"per_second": 10.0, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "errors": 0}
    figures = {
        "run": {"mode": "quick", "cpu": "CPU", "cores": 2, "python": "3.11", "seconds": 9},
        "baseline": {"8": row | {"cpu_ms_per_approval": 4.0}},
        "sqlite": {"8": row | {"cpu_ms_per_approval": 20.0}, "ratio_to_baseline": {"8": 1.0}},
        "postgres": {"skipped": "no PostgreSQL URL"},
        "outbox": {"error": "RuntimeError: the bot did not start"},
    }
    text = table(figures)
    assert "sqlite        8     10.0" in text and "1.0" in text
    assert "postgres   no PostgreSQL URL" in text
    assert "Outbox: RuntimeError: the bot did not start" in text


def test_the_durability_figures_are_shown_with_the_file_system_they_were_measured_on() -> None:
    row = {"per_second": 30.0, "p50_ms": 20.0, "p95_ms": 30.0, "p99_ms": 40.0, "errors": 0}
    figures = {
        "run": {"mode": "quick", "cpu": "CPU", "cores": 2, "python": "3.11", "seconds": 9},
        "durability": {
            "filesystem": "ext4 (/dev/vda on /)",
            "commits": {
                "normal": {"per_second": 2000.0, "ms": 0.5},
                "full": {"per_second": 1400.0, "ms": 0.7},
            },
            "normal": {"1": row | {"cpu_ms_per_approval": 20.0}},
            "full": {"1": row | {"per_second": 27.0, "cpu_ms_per_approval": 21.0}},
            "full_to_normal": {"1": 0.9},
        },
    }
    text = table(figures)
    assert "scratch on ext4 (/dev/vda on /)" in text
    assert "1400.0/s (0.7 ms) with FULL" in text
    assert "full          1     27.0" in text and "1: 0.9" in text
    assert filesystem(Path("/proc")).startswith("proc ")


def test_the_many_officials_figures_say_what_telegram_allows() -> None:
    figures = {
        "run": {"mode": "quick", "cpu": "CPU", "cores": 2, "python": "3.11", "seconds": 9},
        "many_officials": {
            "approvals": 60,
            "per_second": 7.5,
            "p50_ms": 2100.0,
            "p95_ms": 2200.0,
            "p99_ms": 2300.0,
            "errors": 0,
            "officials": 20,
            "bot_api_calls_per_approval": 3.3,
            "calls_per_approval_by_method": {"editMessageText": 1.0, "sendMessage": 1.0},
            "messages_per_approval": 2.0,
            "telegram_ceiling_per_second": 15.0,
            "too_many_requests": 0,
            "cpu_ms_per_approval": 40.0,
        },
    }
    text = table(figures)
    assert "20 officials approving at once, 7.5 approvals/s sustained" in text
    assert "3.3 Bot API calls per approval (editMessageText 1.0, sendMessage 1.0)" in text
    assert "Telegram's 30/s allows 15.0 approvals/s" in text
