"""The compliance report as a workbook (openpyxl): per SOP the steps (figures as numbers, in
working minutes), the officials, the share within the standard over the period and the
monitoring table, with native charts (time per step against its standard; on-time share).
One SOP's sheets are named plainly; with several, each SOP's carry its number (" 2", " 3")."""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.render import Renderer
from bot.records import laporan_view as view
from bot.records.laporan import Report, SopFigures

DAY_FORMAT = "dd/mm/yyyy"  # a day as the register writes it

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEAD_ROWS = 4  # title, SOP, period, made; the table's headings on the next row but one
CELL_LIMIT = 32_767  # characters an Excel cell holds


def _append(sheet: Worksheet, values: list[Any]) -> None:
    """A row whose texts are content, never formulas (an official's name is their Telegram
    name, and may start with "="), without the control characters a workbook refuses."""
    cleaned = [
        ILLEGAL_CHARACTERS_RE.sub("", v)[:CELL_LIMIT] if isinstance(v, str) else v for v in values
    ]
    sheet.append(cleaned)
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def write(report: Report, zone: ZoneInfo) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    renderer = Renderer(zone, html=False)
    several = len(report.sops) > 1
    for n, sop in enumerate(report.sops, start=1):
        suffix = f" {n}" if several else ""
        _steps(book.create_sheet(view.say("sheet_steps") + suffix), report, zone, sop)
        _officials(book.create_sheet(view.say("sheet_officials") + suffix), report, zone, sop)
        _trend(book.create_sheet(view.say("sheet_trend") + suffix), report, zone, sop)
        sheet = book.create_sheet(view.say("sheet_monitoring") + suffix)
        _monitoring(sheet, report, zone, sop, renderer)
    if not report.sops:
        sheet = book.create_sheet(view.say("sheet_steps"))
        _append(sheet, [view.say("title")])
        _append(sheet, [view.say("no_sops")])
    found = io.BytesIO()
    book.save(found)
    return found.getvalue()


def _head(sheet: Worksheet, report: Report, zone: ZoneInfo, sop: SopFigures) -> int:
    """The sheet's title lines; returns the row of the table's headings."""
    _append(sheet, [view.say("title")])
    sheet["A1"].font = Font(bold=True, size=13)
    _append(sheet, [f"{sop.name} — {view.say('sop_line', number=sop.number, version=sop.version)}"])
    _append(sheet, [view.period_line(report, zone)])
    _append(sheet, [view.made_line(report, zone)])
    _append(sheet, [])
    return HEAD_ROWS + 2


def _headings(sheet: Worksheet, row: int, keys: list[str], widths: list[int]) -> None:
    for column, (key, width) in enumerate(zip(keys, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=view.say(key))
        cell.font, cell.alignment = BOLD, WRAP
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = f"A{row + 1}"


STEP_KEYS = [
    "col_no",
    "col_step",
    "col_standard",
    "col_standard_minutes",
    "col_handled",
    "col_median_minutes",
    "col_p90_minutes",
    "col_within",
    "col_share",
    "col_returned",
    "col_forwarded",
    "col_missing",
    "col_running",
]


def _steps(sheet: Worksheet, report: Report, zone: ZoneInfo, sop: SopFigures) -> None:
    top = _head(sheet, report, zone, sop)
    _headings(sheet, top, STEP_KEYS, [5, 40, 18, 12, 10, 12, 12, 12, 12, 12, 11, 12, 10])
    for s in sop.ordered_steps:
        _append(
            sheet,
            [
                s.number,
                s.title,
                view.standard(s),
                s.standard_days * report.day_minutes or s.standard_minutes,
                s.handled,
                s.median,
                s.p90,
                s.within,
                s.share,
                s.returned,
                s.forwarded,
                s.missing_documents,
                s.running,
            ],
        )
        sheet.cell(row=sheet.max_row, column=9).number_format = "0%"
    last = sheet.max_row
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(STEP_KEYS))}{max(last, top)}"
    if last == top:
        return
    bars = BarChart()
    bars.title, bars.y_axis.title = view.say("chart_time"), view.say("col_median_minutes")
    bars.x_axis.title = view.say("col_step")
    bars.add_data(Reference(sheet, min_col=6, max_col=7, min_row=top, max_row=last), True)
    steps = Reference(sheet, min_col=1, min_row=top + 1, max_row=last)
    bars.set_categories(steps)
    standard = LineChart()
    standard.add_data(Reference(sheet, min_col=4, min_row=top, max_row=last), True)
    standard.set_categories(steps)
    bars += standard
    bars.width, bars.height = 24, 9
    sheet.add_chart(bars, f"B{last + 3}")


def _officials(sheet: Worksheet, report: Report, zone: ZoneInfo, sop: SopFigures) -> None:
    top = _head(sheet, report, zone, sop)
    _headings(sheet, top, list(view.OFFICIAL_COLUMNS), [36, 14, 14, 18])
    for o in sop.ordered_officials:
        _append(sheet, [o.name, o.tasks, o.late, o.reminders])
    sheet.auto_filter.ref = f"A{top}:D{max(sheet.max_row, top)}"


def _trend(sheet: Worksheet, report: Report, zone: ZoneInfo, sop: SopFigures) -> None:
    top = _head(sheet, report, zone, sop)
    keys = ["col_period_start", "col_period_handled", "col_period_within", "col_period_share"]
    _headings(sheet, top, keys, [14, 16, 16, 16])
    for t in sop.ordered_trend:
        _append(sheet, [t.start, t.handled, t.within, t.share])
        sheet.cell(row=sheet.max_row, column=1).number_format = DAY_FORMAT
        sheet.cell(row=sheet.max_row, column=4).number_format = "0%"
    last = sheet.max_row
    if last == top:
        return
    line = LineChart()
    title = view.say("chart_trend_month") if report.by_month else view.say("chart_trend_week")
    line.title, line.y_axis.title = title, view.say("chart_trend_axis")
    line.add_data(Reference(sheet, min_col=4, min_row=top, max_row=last), titles_from_data=True)
    line.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 1
    line.y_axis.number_format = "0%"
    line.width, line.height = 20, 8
    sheet.add_chart(line, f"F{top}")


def _monitoring(
    sheet: Worksheet, report: Report, zone: ZoneInfo, sop: SopFigures, renderer: Renderer
) -> None:
    top = _head(sheet, report, zone, sop)
    _headings(sheet, top, list(view.MONITORING_COLUMNS), [5, 40, 20, 80, 40])
    for s in sop.ordered_steps:
        note = view.note(renderer, s, sop.threshold)
        _append(sheet, [s.number, s.title, view.assessment(s, sop.threshold), note, None])
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    _append(sheet, [])
    for line in view.signature(sop, report.made_at.astimezone(zone).date()):
        _append(sheet, [None, None, None, None, line])
