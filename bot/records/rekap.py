"""The register (*rekap*, the seed's "daftar rekapitulasi"): one row per case, one sheet per SOP,
as an XLSX an office opens in Excel or LibreOffice and filters.

Each row: the case's number, when it was registered and closed (date-time cells, in the office's
zone), title, kind, origin, registrar, the step it waits in or its outcome, its status, whether
its klasifikasi restricts it, the SOP's own intake answers (sifat, a letter's number and date…),
then per step number who carried it out and its working minutes, the total against the
standard, and the documents. The figures are `timeline.step_times`, through `cases.cases`: this
module only lays them out.

Written by rustpy-xlsxwriter (the Rust rust_xlsxwriter behind a Python API): it asks a
generator for each row while it writes, so rows stream from `cases` to the file and a register
of 100,000 cases is never held in memory, and it writes a row some ten times faster than
openpyxl (whose per-cell cost made most of a large register's time; bench/records.py). The
writer runs on a thread of its own; the event loop reads the cases and hands it the rows
(`_Feed`).
"""

from __future__ import annotations

import asyncio
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, BinaryIO, Literal
from zoneinfo import ZoneInfo

from rustpy_xlsxwriter import FastExcel, Format

from bot.core.sop.spec import SopSpec
from bot.core.texts import text
from bot.records import laporan_view as view
from bot.records.cases import CaseRecord, Period, cases, sops_with_cases
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
ROWS_PER_HAND_OFF = 200  # rows handed to the writer's thread at a time
# The control characters a spreadsheet cell refuses (as openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
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
        # The writer takes a row as {header: value}: a header the SOP repeats (an intake field
        # labelled as a built-in column) is told apart by its place.
        seen: set[str] = set()
        self.headers = []
        for index, column in enumerate(columns, start=1):
            header = column.header if column.header not in seen else f"{column.header} ({index})"
            seen.add(header)
            self.headers.append(header)

    def row(self, case: CaseRecord, spec: SopSpec) -> dict[str, Any]:
        return dict(zip(self.headers, self.values(case, spec), strict=True))

    def values(self, case: CaseRecord, spec: SopSpec) -> list[Any]:
        current = case.current
        if current is not None:
            where = say("waiting_in", number=current.number, title=current.title)
        else:
            where = case.outcome_title or case.outcome or ""
        values: list[Any] = [
            _text(case.number),
            self._moment(case.registered_at),
            self._moment(case.closed_at),
            _text(case.title),
            *([_text(case.kind_title or case.kind or "")] if self.kinds else []),
            _text(case.origin),
            _text(case.registrar),
            _text(where),
            _status(case.status),
        ]
        if self.classified:
            values.append(say("yes") if case.restricted else say("no"))
        for grade in self.graded:
            grades = getattr(spec, grade)
            level = grades.level(case.answers.get(grade)) if grades else None
            values.append(level.title if level else None)
        for key in self.asked:
            values.append(self._answer(spec, key, case.answers.get(key)))
        by_number = _by_number(case.steps)
        for number in self.numbers:
            runs = by_number.get(number)
            if not runs:
                values += [None, None]
                continue
            values.append(_text(_who(runs, spec, case.answers)))
            values.append(sum(r.took_minutes for r in runs))
        values += [case.took_minutes, case.standard_minutes]
        if self.in_days:
            values.append(sum(s.standard_days for s in case.steps))
        late = sorted({s.number for s in case.steps if not s.within})
        values += [
            say("yes") if case.within else say("no"),
            ", ".join(str(n) for n in late),
            _text("; ".join(f"{title}: {name}" for title, name in case.documents)),
        ]
        return values

    def _moment(self, moment: datetime | None) -> datetime | None:
        """A date-time in the office's zone (a spreadsheet's cells have no zone); the column's
        format shows it as one."""
        if moment is None:
            return None
        return moment.astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def _answer(self, spec: SopSpec, key: str, value: Any) -> Any:
        asked = spec.intake.asks(key)
        if value is None or asked is None:
            return None
        if asked.type == "official" and isinstance(value, dict):
            return _text(str(value.get("name", "")))
        if asked.type == "date":
            try:
                return datetime.combine(date.fromisoformat(str(value)), time(0))  # at midnight
            except ValueError:
                return _text(str(value))  # kept as typed: the column's format leaves text be
        return _text(str(value))

    def sheet(self, book: FastExcel, rows: Iterator[dict[str, Any]]) -> None:
        """Add this SOP's sheet to `book`: the header frozen and filtered, the widths, and the
        formats of its date columns; `rows` are asked for as the book is written."""
        formats = {"moment": MOMENT_FORMAT, "day": DAY_FORMAT}
        book.sheet(
            self.code[:SHEET_NAME_LIMIT],
            rows,
            column_widths=[WIDTHS[column.kind] for column in self.columns],
            column_formats={
                header: Format().set_num_format(formats[column.kind])
                for header, column in zip(self.headers, self.columns, strict=True)
                if column.kind in formats
            },
            header_format=Format().set_bold().set_text_wrap().set_align("top"),
            autofilter=True,
        )


class _Feed:
    """Rows handed from the event loop, which reads the cases, to the writer's thread, which
    asks each sheet's generator for its rows in turn. A bounded queue: the reader waits when the
    writer is behind, so rows never pile up in memory."""

    END = object()  # a sheet's last row was handed over

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=8)
        self.stopped = threading.Event()  # the writer is done or has failed

    def rows(self) -> Iterator[dict[str, Any]]:
        """One sheet's rows, on the writer's thread."""
        while True:
            batch = self._queue.get()
            if batch is _Feed.END:
                return
            if isinstance(batch, BaseException):
                raise batch
            yield from batch

    async def hand(self, batch: Any) -> None:
        """Give the writer a batch of rows (or END, or the reason to stop), waiting, off the
        loop, while its queue is full; refused when the writer is gone."""
        await asyncio.to_thread(self._put, batch)

    def _put(self, batch: Any) -> None:
        while not self.stopped.is_set():
            try:
                self._queue.put(batch, timeout=0.2)
                return
            except queue.Full:
                continue
        if not isinstance(batch, BaseException):
            raise RuntimeError("the register's writer stopped before its rows were all written")


async def write_register(
    ctx: Context,
    out: str | BinaryIO,
    *,
    viewer: access.Viewer | None = None,
    sop_code: str | None = None,
    period: Period = EVERY,
) -> Made:
    """Write the register of the cases `viewer` may see (None: the console, every case) of
    `sop_code` (or of every SOP), registered in `period`, to `out`: a sheet per SOP that has
    any, or, when none has, the empty sheets of the SOPs asked for (headers only)."""
    codes = [sop_code] if sop_code is not None else sorted({s.code for s in ctx.sops.all()})
    having = await sops_with_cases(ctx, viewer=viewer, codes=codes, period=period)
    shown = [code for code in codes if code in having] or codes  # none: the empty sheets
    layouts = [Layout(_versions(ctx, code), ctx.settings.zone) for code in shown]
    made_at = ctx.clock.now()
    book = FastExcel(out).freeze(row=1)
    feed = _Feed()
    for layout in layouts:
        layout.sheet(book, feed.rows())
    _about_sheet(book, feed.rows())
    writing = asyncio.ensure_future(asyncio.to_thread(_save, book, feed))
    made = Made()
    try:
        counts: dict[str, int] = {}
        for layout in layouts:
            if layout.code not in having:  # a sheet of headers only, so the file still opens
                await feed.hand([dict.fromkeys(layout.headers)])
                await feed.hand(_Feed.END)
                continue
            batch: list[dict[str, Any]] = []
            counts[layout.code] = 0
            async for case in cases(ctx, viewer=viewer, sop_code=layout.code, period=period):
                counts[layout.code] += 1
                batch.append(layout.row(case, ctx.sops.get(case.sop_code, case.sop_version)))
                made.cases += 1
                made.restricted += case.restricted
                if len(batch) >= ROWS_PER_HAND_OFF:
                    await feed.hand(batch)
                    batch = []
            await feed.hand(batch)
            await feed.hand(_Feed.END)
            made.sheets.append(layout.code)
        who = viewer.official.name if viewer is not None else None
        await feed.hand(_about(ctx, made, counts, made_at, who, period))
        await feed.hand(_Feed.END)
    except BaseException as error:
        writer_failed = feed.stopped.is_set()  # the writer stopped first: its error is the cause
        await feed.hand(error)  # the writer stops too, and the file is not finished
        [outcome] = await asyncio.gather(writing, return_exceptions=True)
        if writer_failed and isinstance(outcome, Exception):
            raise outcome from None
        raise
    await writing
    return made


def _about_sheet(book: FastExcel, rows: Iterator[dict[str, Any]]) -> None:
    book.sheet(
        say("about_sheet"),  # a space: never an SOP's code, so never a sheet of cases
        rows,
        column_widths=[110],
        header_format=Format().set_bold(),
    )


def _about(
    ctx: Context,
    made: Made,
    counts: dict[str, int],
    made_at: datetime,
    who: str | None,
    period: Period,
) -> list[dict[str, str]]:
    """What the register covers, a line each: whose it is, when it was made and in whose view,
    the period, each sheet's SOP and cases. A register is kept and passed on: the file must say
    what it is."""
    zone = ctx.settings.zone
    institutions = dict.fromkeys(ctx.sops.get(code).header.institution for code in counts)
    lines = [
        ", ".join(institutions),
        view.made_words(made_at, who, zone),
        view.period_words(period, zone),
        *(
            say(
                "about_sheet_of",
                sheet=code[:SHEET_NAME_LIMIT],
                name=ctx.sops.get(code).header.name,
                cases=count,
            )
            for code, count in counts.items()
        ),
        say("about_cases", cases=made.cases, restricted=made.restricted),
        say("about_minutes"),
    ]
    header = say("about_title")
    return [{header: _text(line)} for line in lines if line]


def _save(book: FastExcel, feed: _Feed) -> None:
    try:
        book.save()
    finally:
        feed.stopped.set()


def _versions(ctx: Context, code: str) -> list[SopSpec]:
    return [spec for spec in ctx.sops.all() if spec.code == code]  # by version, oldest first


def _typed(versions: list[SopSpec], key: str) -> str | None:
    for spec in reversed(versions):
        asked = spec.intake.asks(key)
        if asked is not None:
            return asked.type
    return None


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


def _text(value: str) -> str:
    """User content as text: without the control characters a spreadsheet refuses, and cut to
    what a cell holds. The writer writes a string as a string, never a formula (a title may
    start with "=")."""
    return ILLEGAL.sub("", value)[:CELL_LIMIT]
