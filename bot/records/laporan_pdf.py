"""The compliance report as a PDF (fpdf2), A4 landscape: per SOP its header, the steps table,
the two charts, the officials table, then the Permenpan RB 35/2012 monitoring table with its
notes written and its actions left blank for the unit head, and the signature block.

The font is DejaVu Sans from matplotlib's own package data (Unicode: "…", "—", "≥"), so no
system font is needed."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.core.render import Renderer
from bot.records import laporan_charts as charts
from bot.records import laporan_view as view
from bot.records.laporan import Report, SopFigures
from bot.records.pdf_glyphs import MarkedPDF

FONT = "DejaVu"
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADING = FontFace(emphasis="BOLD", fill_color=(230, 236, 245))
STEP_WIDTHS = (8, 60, 26, 16, 22, 22, 26, 24, 20, 22, 18)  # "Dikembalikan" on one line
OFFICIAL_WIDTHS = (110, 40, 40, 50)
MONITORING_WIDTHS = (10, 62, 32, 110, 50)


def write(report: Report, zone: ZoneInfo) -> bytes:
    pdf = MarkedPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(10, 10, 10)
    pdf.use_fonts(FONT, FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(view.say("title"))
    renderer = Renderer(zone, html=False)
    if not report.sops:
        pdf.add_page()
        _title(pdf, report, zone, None)
        pdf.multi_cell(0, 6, view.say("no_sops"))
    for sop in report.sops:
        pdf.add_page()
        _title(pdf, report, zone, sop)
        _steps(pdf, sop)
        _charts(pdf, report, sop)
        _officials(pdf, sop)
        _monitoring(pdf, renderer, sop)
        _signature(pdf, report, zone, sop)
    return bytes(pdf.output())


def _title(pdf: FPDF, report: Report, zone: ZoneInfo, sop: SopFigures | None) -> None:
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, view.say("title"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    if sop is not None:
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, view.say("subtitle", name=sop.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9)
        lines = [sop.institution, sop.unit or ""]
        lines.append(view.say("sop_line", number=sop.number, version=sop.version))
        for line in filter(None, lines):
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, view.period_line(report, zone), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, view.made_line(report, zone), new_x="LMARGIN", new_y="NEXT")
    if sop is not None:
        shown = view.summary(sop) if sop.cases else view.say("no_cases")
        pdf.multi_cell(0, 5, shown, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _heading(pdf: FPDF, key: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 7, view.say(key), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)


def _table(pdf: FPDF, widths: tuple[int, ...], head: list[str], rows: list[list[str]]) -> None:
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align="LEFT",  # not justified: "1 jam 5 menit" must not be stretched in a cell
        headings_style=HEADING,
        line_height=4.2,
        padding=1,
    ) as table:
        for row in [head, *rows]:
            cells = table.row()
            for cell in row:
                cells.cell(cell)


def _steps(pdf: FPDF, sop: SopFigures) -> None:
    _heading(pdf, "steps_heading")
    rows = [view.step_row(s) for s in sop.ordered_steps]
    _table(pdf, STEP_WIDTHS, view.headings(view.STEP_COLUMNS), rows)
    pdf.set_font(FONT, "", 7)
    pdf.multi_cell(0, 4, view.say("steps_note"), new_x="LMARGIN", new_y="NEXT")


def _charts(pdf: FPDF, report: Report, sop: SopFigures) -> None:
    width = pdf.epw * 0.8
    height = width * charts.HEIGHT / charts.WIDTH
    for png in (
        charts.time_per_step(sop, report.day_minutes),
        charts.on_time_share(sop, report.by_month),
    ):
        if pdf.will_page_break(height + 4):
            pdf.add_page()
        pdf.ln(2)
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)


def _officials(pdf: FPDF, sop: SopFigures) -> None:
    _heading(pdf, "officials_heading")
    rows = [[o.name, str(o.tasks), str(o.late), str(o.reminders)] for o in sop.ordered_officials]
    if not rows:
        pdf.multi_cell(0, 5, view.say("no_officials"), new_x="LMARGIN", new_y="NEXT")
        return
    _table(pdf, OFFICIAL_WIDTHS, view.headings(view.OFFICIAL_COLUMNS), rows)


def _monitoring(pdf: FPDF, renderer: Renderer, sop: SopFigures) -> None:
    _heading(pdf, "monitoring_heading")
    rows = [
        [
            str(s.number),
            s.title,
            view.assessment(s, sop.threshold),
            view.note(renderer, s, sop.threshold),
            "",  # the unit head's to write
        ]
        for s in sop.ordered_steps
    ]
    _table(pdf, MONITORING_WIDTHS, view.headings(view.MONITORING_COLUMNS), rows)


def _signature(pdf: FPDF, report: Report, zone: ZoneInfo, sop: SopFigures) -> None:
    lines = view.signature(sop, report.made_at.astimezone(zone).date())
    if pdf.will_page_break(6 * len(lines) + 6):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    for line in lines:
        pdf.set_x(pdf.w - pdf.r_margin - 100)
        pdf.multi_cell(100, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
