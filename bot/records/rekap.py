"""The register (*rekap*, the seed's "daftar rekapitulasi"): one row per case, one sheet per SOP,
as an XLSX an office opens in Excel or LibreOffice and filters.

Each row: the case's number, when it was registered and closed (date-time cells, in the office's
zone), title, kind, origin, registrar, the step it waits in or its outcome, its status, whether
its klasifikasi restricts it, the SOP's own intake answers (sifat, a letter's number and date…),
then per step number who carried it out and its working minutes, the total against the
standard, and the documents. The figures are `timeline.step_times`, through `cases.cases`: this
module only lays them out.

Written in openpyxl's write-only mode: rows stream from `cases` to the file, so a register of
100,000 cases never holds them in memory. Column widths, the frozen header and the autofilter
are set around the rows (widths before the first, the filter's range after the last).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.core.sop.spec import SopSpec
from bot.core.texts import text
from bot.records.cases import CaseRecord, Period, cases
from bot.records.timeline import StepTime
from bot.services import access
from bot.services.context import Context

Kind = Literal["text", "long", "moment", "day", "minutes", "actors", "documents", "short"]

WIDTHS: dict[Kind, float] = {
    "text": 22,
    "long": 45,
    "moment": 17,
    "day": 12,
    "minutes": 12,
    "actors": 28,
    "documents": 50,
    "short": 10,
}
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"
DAY_FORMAT = "dd/mm/yyyy"
CELL_LIMIT = 32_767  # characters an Excel cell holds
SHEET_NAME_LIMIT = 31
EVERY = Period()  # every case, whenever registered


def say(key: str, **fields: object) -> str:
    return text("rekap", key, **fields)


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind


@dataclass
class Made:
    """What a register holds: the cases written, how many are restricted, its sheets (SOP
    codes, in order)."""

    cases: int = 0
    restricted: int = 0
    sheets: list[str] = field(default_factory=list)


class Layout:
    """The columns of one SOP's sheet, from every version of it the bot knows (a case of an
    older version fills the columns it has), and how a case becomes a row."""

    def __init__(self, versions: list[SopSpec], zone: ZoneInfo) -> None:
        latest = versions[-1]
        self.code = latest.code
        self.zone = zone
        self.graded = [
            g
            for g in ("urgency", "classification")
            if any(getattr(s, g) is not None for s in versions)
        ]
        self.classified = "classification" in self.graded
        self.kinds = any(spec.kinds for spec in versions)  # an SOP with kinds of case
        asked: dict[str, str] = {}  # intake field key -> label (the newest version's)
        for spec in versions:
            for f in spec.intake.fields:
                if f.type != "file":
                    asked[f.key] = f.label
        self.asked = list(asked)
        self.numbers = sorted({step.number for spec in versions for step in spec.steps})
        self.in_days = any(step.time.in_days for spec in versions for step in spec.steps)
        zone_name = datetime.now(zone).tzname() or str(zone)
        columns = [
            Column(say("number"), "text"),
            Column(say("registered_at", zone=zone_name), "moment"),
            Column(say("closed_at", zone=zone_name), "moment"),
            Column(latest.intake.title_shown or say("title"), "long"),
            *([Column(say("kind"), "text")] if self.kinds else []),
            Column(latest.intake.origin_shown or say("origin"), "text"),
            Column(say("registrar"), "text"),
            Column(say("current"), "long"),
            Column(say("status"), "short"),
        ]
        if self.classified:
            columns.append(Column(say("restricted"), "short"))
        for grade in self.graded:
            grades = getattr(latest, grade) or next(
                getattr(s, grade) for s in reversed(versions) if getattr(s, grade)
            )
            columns.append(Column(grades.label or say(grade), "text"))
        for key in self.asked:
            kind: Kind = "day" if _typed(versions, key) == "date" else "text"
            columns.append(Column(asked[key], kind))
        for number in self.numbers:
            columns.append(Column(say("step_actors", number=number), "actors"))
            columns.append(Column(say("step_minutes", number=number), "minutes"))
        columns += [
            Column(say("took_minutes"), "minutes"),
            Column(say("standard_minutes"), "minutes"),
        ]
        if self.in_days:
            columns.append(Column(say("standard_days"), "minutes"))
        columns += [
            Column(say("within"), "short"),
            Column(say("late_steps"), "text"),
            Column(say("documents"), "documents"),
        ]
        self.columns = columns

    def header(self, sheet: WriteOnlyWorksheet) -> list[Cell]:
        bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        cells = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet, column.header)
            cell.font, cell.alignment = bold, wrap
            cells.append(cell)
        return cells

    def row(self, sheet: WriteOnlyWorksheet, case: CaseRecord, spec: SopSpec) -> list[Any]:
        current = case.current
        if current is not None:
            where = say("waiting_in", number=current.number, title=current.title)
        else:
            where = case.outcome_title or case.outcome or ""
        values: list[Any] = [
            _text(sheet, case.number),
            self._moment(sheet, case.registered_at),
            self._moment(sheet, case.closed_at),
            _text(sheet, case.title),
            *([_text(sheet, case.kind_title or case.kind or "")] if self.kinds else []),
            _text(sheet, case.origin),
            _text(sheet, case.registrar),
            _text(sheet, where),
            _status(case.status),
        ]
        if self.classified:
            values.append(say("yes") if case.restricted else say("no"))
        for grade in self.graded:
            grades = getattr(spec, grade)
            level = grades.level(case.answers.get(grade)) if grades else None
            values.append(level.title if level else None)
        for key in self.asked:
            values.append(self._answer(sheet, spec, key, case.answers.get(key)))
        by_number = _by_number(case.steps)
        for number in self.numbers:
            runs = by_number.get(number)
            if not runs:
                values += [None, None]
                continue
            values.append(_text(sheet, _who(runs, spec, case.answers)))
            values.append(sum(r.took_minutes for r in runs))
        values += [case.took_minutes, case.standard_minutes]
        if self.in_days:
            values.append(sum(s.standard_days for s in case.steps))
        late = sorted({s.number for s in case.steps if not s.within})
        values += [
            say("yes") if case.within else say("no"),
            ", ".join(str(n) for n in late),
            _text(sheet, "; ".join(f"{title}: {name}" for title, name in case.documents)),
        ]
        return values

    def _moment(self, sheet: WriteOnlyWorksheet, moment: datetime | None) -> Cell | None:
        """A date-time cell in the office's zone (a spreadsheet's cells have no zone)."""
        if moment is None:
            return None
        local = moment.astimezone(self.zone).replace(tzinfo=None, microsecond=0)
        cell = WriteOnlyCell(sheet, local)
        cell.number_format = MOMENT_FORMAT
        return cell

    def _answer(self, sheet: WriteOnlyWorksheet, spec: SopSpec, key: str, value: Any) -> Any:
        asked = spec.intake.asks(key)
        if value is None or asked is None:
            return None
        if asked.type == "official" and isinstance(value, dict):
            return _text(sheet, str(value.get("name", "")))
        if asked.type == "date":
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                return _text(sheet, str(value))
            cell = WriteOnlyCell(sheet, datetime.combine(day, time(0)))  # a day: at midnight
            cell.number_format = DAY_FORMAT
            return cell
        return _text(sheet, str(value))


async def write_register(
    ctx: Context,
    out: str | IO[bytes],
    *,
    viewer: access.Viewer | None = None,
    sop_code: str | None = None,
    period: Period = EVERY,
) -> Made:
    """Write the register of the cases `viewer` may see (None: the console, every case) of
    `sop_code` (or of every SOP), registered in `period`, to `out`: a sheet per SOP that has
    any, or, when none has, the empty sheets of the SOPs asked for (headers only)."""
    codes = [sop_code] if sop_code is not None else sorted({s.code for s in ctx.sops.all()})
    book = Workbook(write_only=True)
    made = Made()
    zone = ctx.settings.zone
    for code in codes:
        layout = Layout(_versions(ctx, code), zone)
        sheet: WriteOnlyWorksheet | None = None
        rows = 0
        async for case in cases(ctx, viewer=viewer, sop_code=code, period=period):
            if sheet is None:
                sheet = _sheet(book, layout)
            sheet.append(layout.row(sheet, case, ctx.sops.get(case.sop_code, case.sop_version)))
            rows += 1
            made.restricted += case.restricted
        if sheet is not None:
            _close(sheet, layout, rows)
            made.sheets.append(code)
            made.cases += rows
    if not made.sheets:  # nothing to show: the sheets' headers, so the file still opens
        for code in codes:
            layout = Layout(_versions(ctx, code), zone)
            _close(_sheet(book, layout), layout, 0)
    book.save(out)
    return made


def _versions(ctx: Context, code: str) -> list[SopSpec]:
    return [spec for spec in ctx.sops.all() if spec.code == code]  # by version, oldest first


def _typed(versions: list[SopSpec], key: str) -> str | None:
    for spec in reversed(versions):
        asked = spec.intake.asks(key)
        if asked is not None:
            return asked.type
    return None


def _sheet(book: Workbook, layout: Layout) -> WriteOnlyWorksheet:
    sheet: WriteOnlyWorksheet = book.create_sheet(layout.code[:SHEET_NAME_LIMIT])
    shaped: Any = sheet  # the stubs leave out what a write-only sheet takes before its rows
    for index, column in enumerate(layout.columns, start=1):
        shaped.column_dimensions[get_column_letter(index)].width = WIDTHS[column.kind]
    shaped.freeze_panes = "A2"
    sheet.append(layout.header(sheet))
    return sheet


def _close(sheet: WriteOnlyWorksheet, layout: Layout, rows: int) -> None:
    """The autofilter over the header and every row written."""
    last = get_column_letter(len(layout.columns))
    shaped: Any = sheet
    shaped.auto_filter.ref = f"A1:{last}{rows + 1}"


def _by_number(steps: Iterable[StepTime]) -> dict[int, list[StepTime]]:
    found: dict[int, list[StepTime]] = {}
    for step in steps:
        found.setdefault(step.number, []).append(step)
    return found


def _who(runs: list[StepTime], spec: SopSpec, answers: dict[str, Any]) -> str:
    """Who did the step (each once, in order, over every time it ran); else, while it waits,
    who carries it out: the person the case names (its addressee), or the SOP's roles."""
    done = list(dict.fromkeys(name for run in runs for name in run.done_by))
    if done:
        return ", ".join(done)
    waiting = next((r for r in runs if r.open), None)
    if waiting is None:
        return ""
    named = spec.step(waiting.key).actor_from
    person = answers.get(named) if named else None
    if isinstance(person, dict) and person.get("name"):
        return say("waiting_for", actors=str(person["name"]))
    return say("waiting_for", actors=", ".join(waiting.actors))


def _status(status: str) -> str:
    try:
        return say(f"status_{status}")
    except KeyError:
        return status


def _text(sheet: WriteOnlyWorksheet, value: str) -> str | Cell:
    """User content as a text cell: without the control characters a spreadsheet refuses, cut
    to what a cell holds, and never a formula (a title may start with "=")."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_LIMIT]
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell
