"""The compliance report's charts for the PDF, drawn with matplotlib's Agg canvas (no display,
no pyplot state: safe in the worker thread a report is made in): each step's working time
against its standard, and the share within the standard over the period."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from bot.core.render import duration
from bot.records.laporan import SopFigures
from bot.records.laporan_view import say, short_day

WIDTH, HEIGHT, DPI = 10.0, 3.6, 150
MEDIAN, P90, STANDARD, LINE = "#4C78A8", "#9ECAE9", "#D62728", "#2CA02C"


def time_per_step(sop: SopFigures, day_minutes: int) -> bytes:
    """Bars of each step's median and 90th percentile, in working hours, the standard marked
    on each (a day standard as that many working days of `day_minutes`)."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    axes = figure.add_subplot()
    steps = sop.ordered_steps
    places = list(range(len(steps)))
    width = 0.38
    medians = [(s.median or 0) / 60 for s in steps]
    p90s = [(s.p90 or 0) / 60 for s in steps]
    axes.bar(
        [x - width / 2 for x in places], medians, width, label=say("chart_median"), color=MEDIAN
    )
    axes.bar([x + width / 2 for x in places], p90s, width, label=say("chart_p90"), color=P90)
    standards = [(s.standard_days * day_minutes or s.standard_minutes) / 60 for s in steps]
    axes.hlines(
        standards,
        [x - 0.45 for x in places],
        [x + 0.45 for x in places],
        colors=STANDARD,
        linewidth=2,
        label=say("chart_standard"),
    )
    axes.set_xticks(places, [str(s.number) for s in steps])
    axes.set_xlabel(say("col_step"))
    axes.set_ylabel(say("chart_time_axis"))
    axes.set_title(say("chart_time"), fontsize=11)
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(axis="y", alpha=0.3)
    if any(s.standard_days for s in steps):
        note = say("chart_days_note", minutes=duration(day_minutes))
        figure.text(0.99, 0.01, note, ha="right", va="bottom", fontsize=7)
    return _png(figure)


def on_time_share(sop: SopFigures, by_month: bool) -> bytes:
    """The share of the steps finished within the standard, week by week (or month by month),
    with the SOP's threshold drawn across."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    axes = figure.add_subplot()
    trend = [t for t in sop.ordered_trend if t.handled]
    places = list(range(len(trend)))
    shares = [100 * (t.share or 0) for t in trend]
    axes.plot(places, shares, marker="o", color=LINE)
    for x, t, share in zip(places, trend, shares, strict=True):
        axes.annotate(
            f"{t.within}/{t.handled}",
            (x, share),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7,
        )
    axes.axhline(
        100 * sop.threshold,
        color=STANDARD,
        linestyle="--",
        linewidth=1,
        label=say("chart_threshold", percent=round(100 * sop.threshold)),
    )
    axes.set_xticks(places, [short_day(t.start, with_year=by_month) for t in trend])
    axes.set_ylim(0, 110)
    axes.set_ylabel(say("chart_trend_axis"))
    title = say("chart_trend_month") if by_month else say("chart_trend_week")
    axes.set_title(title, fontsize=11)
    axes.legend(fontsize=8, loc="lower left")
    axes.grid(axis="y", alpha=0.3)
    if not trend:
        axes.text(0.5, 0.5, say("no_data"), ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
    return _png(figure)


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    found = io.BytesIO()
    figure.savefig(found, format="png")
    return found.getvalue()
