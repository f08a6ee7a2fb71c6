"""The disposition sheet laid out as offices print it: A4, the institution's header, the case's
header, the steps in a table, the dispositions given, and the QR code with its verification code.

fpdf2 writes it (pure Python, a wheel). Indonesian names and the SOP's dashes need a Unicode
font: matplotlib's bundled DejaVu Sans where matplotlib is installed (it is for the charts of the
compliance report), so no font file is shipped here and none is read from the system; without it,
the PDF's own Helvetica, with the few signs it lacks written in plain letters. Every word of the
layout is in templates/texts/lembar.yaml.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bot.core.render import Renderer, duration
from bot.core.texts import text
from bot.records.lembar import Sheet, SheetStep, shown
from bot.records.pdf_glyphs import MarkedPDF

FAMILY = "DejaVu"
QR_MM = 32
HEADS = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))  # repeated on each page
LABEL = FontFace(emphasis="BOLD")
# What Helvetica (Latin-1) lacks, written as it would be on a typewriter.
_PLAIN = str.maketrans(
    {"—": "-", "–": "-", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "-", "✓": "v"}
)


def unicode_fonts() -> tuple[Path, Path] | None:
    """matplotlib's DejaVu Sans (regular, bold), found without importing matplotlib."""
    found = importlib.util.find_spec("matplotlib")
    if found is None or not found.submodule_search_locations:
        return None
    folder = Path(next(iter(found.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    return (regular, bold) if regular.is_file() and bold.is_file() else None


def words(key: str, **fields: object) -> str:
    return text("lembar", key, **fields)


class _Page(MarkedPDF):
    def __init__(self, footer_text: str, fonts: tuple[Path, Path] | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.unicode = fonts is not None
        if fonts is not None:
            self.use_fonts(FAMILY, *fonts)
        self.family = FAMILY if self.unicode else "helvetica"
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)

    def t(self, value: object) -> str:
        """Text as this font can write it."""
        written = str(value)
        if self.unicode:
            return written
        return written.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-12)
        self.font(7.5)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.t(self.footer_text.format(page=self.page_no())), align="C")
        self.set_text_color(0, 0, 0)

    def line_of(self, value: str, size: float = 9, bold: bool = False, align: str = "L") -> None:
        self.font(size, bold)
        self.multi_cell(
            0, size * 0.5, self.t(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def heading(self, value: str) -> None:
        self.ln(3)
        self.line_of(value, 10.5, bold=True)
        self.ln(1)


def render(sheet: Sheet, zone: ZoneInfo) -> bytes:
    """The sheet as a PDF."""
    times = Renderer(zone, html=False)
    record, header = sheet.record, sheet.spec.header
    code = shown(sheet.code)
    footer = words("footer", number=record.number, code=code, page="{page}")
    pdf = _Page(footer, unicode_fonts())
    pdf.set_title(pdf.t(words("pdf_title", number=record.number)))
    pdf.set_subject(pdf.t(words("pdf_subject", code=code)))
    pdf.set_creator("Disposisi Bot")
    pdf.add_page()

    pdf.line_of(header.institution, 12, bold=True, align="C")
    if header.unit:
        pdf.line_of(header.unit, 11, bold=True, align="C")
    numbered = header.number.strip(" -")  # an SOP whose source gives no number writes "-"
    sop = words("sop_line", name=header.name, number=numbered) if numbered else header.name
    pdf.line_of(sop, 8, align="C")
    pdf.ln(1)
    y = pdf.get_y()
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.ln(3)
    pdf.line_of(words("title"), 14, bold=True, align="C")
    pdf.ln(2)

    _case_header(pdf, sheet, times)
    pdf.heading(words("steps_heading"))
    _steps(pdf, sheet, times)
    if sheet.dispositions:
        pdf.heading(words("dispositions_heading"))
        _dispositions(pdf, sheet, times)
    _verification(pdf, sheet, times)
    return bytes(pdf.output())


def _case_header(pdf: _Page, sheet: Sheet, times: Renderer) -> None:
    record, spec = sheet.record, sheet.spec
    rows: list[tuple[str, str]] = [
        (words("number"), record.number),
        (words("registered_at"), times.local_time(record.registered_at)),
    ]
    if record.kind_title:
        rows.append((words("kind"), record.kind_title))
    rows.append((spec.intake.title_shown or words("subject"), record.title))
    rows.append((record.origin_label or words("origin"), record.origin))
    rows.extend((f["label"], f["value"]) for f in record.fields)
    rows.append((words("registrar"), record.registrar))
    if sheet.registration_note:
        rows.append((words("registration_note"), sheet.registration_note))
    rows.append((words("state"), _state(sheet, times)))
    pdf.font(9)
    with pdf.table(
        col_widths=(32, 68),
        first_row_as_headings=False,
        line_height=4.6,
        padding=1.2,
        text_align="LEFT",
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(pdf.t(label), style=LABEL)
            row.cell(pdf.t(value))


def _state(sheet: Sheet, times: Renderer) -> str:
    record = sheet.record
    if record.outcome_title:
        return words(
            "state_closed", outcome=record.outcome_title, at=times.local_time(record.closed_at)
        )
    current = record.current
    if current is not None:
        return words("state_open", step=current.number, title=current.title)
    return words("state_unknown")


def _steps(pdf: _Page, sheet: Sheet, times: Renderer) -> None:
    pdf.font(8.5)
    with pdf.table(
        col_widths=(7, 27, 22, 50, 24, 24),
        line_height=4.2,
        padding=1.2,
        text_align="LEFT",
        headings_style=HEADS,
    ) as table:
        heads = table.row()
        for key in ("col_no", "col_step", "col_actor", "col_what", "col_done", "col_time"):
            heads.cell(pdf.t(words(key)))
        for line in sheet.steps:
            time = line.time
            row = table.row()
            row.cell(str(time.number))
            title = time.title
            if time.activation > 1:
                title = words("again", title=title, activation=time.activation)
            row.cell(pdf.t(title))
            actors = ", ".join(time.done_by) if time.done_by else ", ".join(time.actors)
            row.cell(pdf.t(actors or "—"))
            row.cell(pdf.t("\n".join(_what(line))))
            done = times.local_time(time.ended_at) if time.ended_at else words("running")
            row.cell(pdf.t(done))
            row.cell(pdf.t(_took(line)))


def _what(line: SheetStep) -> list[str]:
    """The step's instruction, decision and notes, one per line."""
    time = line.time
    said: list[str] = [words("received", instruction=i) for i in line.received]
    said += [words("forwarded", by=by, to=to) for by, to in line.instructions]
    if time.open:
        said.append(words("action_open"))
    elif time.action == "decide":
        said.append(words("action_decide", option=line.decision or time.option or "—"))
    elif time.action in ("approve", "reject", "dispose"):
        said.append(words(f"action_{time.action}"))
    said += [words("reason", text=r) for r in line.reasons]
    said += [words("note", who=who, text=what) for who, what in line.notes]
    return said or ["—"]


def _took(line: SheetStep) -> str:
    time = line.time
    took = duration(time.took_minutes)
    standard = time.standard_words or time.standard or words("default_standard")
    if time.open:
        verdict = words("so_far")
    elif time.within:
        verdict = words("within")
    else:
        verdict = words("late", by=duration(time.late_by))
    return words("took", took=took, standard=standard, verdict=verdict)


def _dispositions(pdf: _Page, sheet: Sheet, times: Renderer) -> None:
    for given in sheet.dispositions:
        pdf.line_of(
            words(
                "disposition_from",
                step=given.step,
                title=given.step_title,
                by=given.given_by,
                at=times.local_time(given.given_at),
            ),
            9,
            bold=True,
        )
        if given.note:
            pdf.line_of(words("disposition_note", note=given.note), 9)
        pdf.ln(1)
        pdf.font(8.5)
        with pdf.table(
            col_widths=(30, 30, 40, 34),
            line_height=4.2,
            padding=1.2,
            text_align="LEFT",
            headings_style=HEADS,
        ) as table:
            heads = table.row()
            for key in ("col_to", "col_role", "col_instruction", "col_remark"):
                heads.cell(pdf.t(words(key)))
            for line in given.lines:
                row = table.row()
                row.cell(pdf.t(line.name))
                row.cell(pdf.t(line.role))
                row.cell(pdf.t(line.instruction))
                if line.recalled_at is not None:
                    remark = words("recalled", at=times.local_time(line.recalled_at))
                elif line.informs and line.read_at is not None:
                    remark = words("read", at=times.local_time(line.read_at))
                elif line.informs:
                    remark = words("informs")
                else:
                    remark = words("acts")
                row.cell(pdf.t(remark))
        pdf.ln(2)


def _verification(pdf: _Page, sheet: Sheet, times: Renderer) -> None:
    """The QR code and the verification code, tied to the audit chain."""
    code = shown(sheet.code)
    if pdf.get_y() + QR_MM + 6 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    image = io.BytesIO()
    segno.make(code, error="m").save(image, kind="png", scale=10, border=4)
    image.seek(0)
    pdf.image(image, x=pdf.l_margin, y=top, w=QR_MM, h=QR_MM)
    left = pdf.l_margin + QR_MM + 4
    pdf.set_xy(left, top + 2)
    width = pdf.w - pdf.r_margin - left
    lines = [
        (words("code", code=code), 11, True),
        (words("how_to_check", code=code), 8.5, False),
        (
            words(
                "made",
                at=times.local_time(sheet.made_at),
                by=sheet.made_by or words("console"),
            ),
            8.5,
            False,
        ),
        (words("chain", event=sheet.last_event_id, hash=sheet.last_hash[:16]), 7.5, False),
    ]
    for value, size, bold in lines:
        pdf.font(size, bold)
        pdf.set_x(left)
        pdf.multi_cell(
            width, size * 0.5, pdf.t(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.set_y(max(pdf.get_y(), top + QR_MM) + 2)
