"""The compliance report's figures as people read them, for both writers (PDF and XLSX): the
words from templates/texts/laporan.yaml, the notes from templates/laporan_catatan.j2."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.render import Renderer, duration
from bot.core.texts import text
from bot.records.cases import Period
from bot.records.laporan import Report, SopFigures, StepFigures

AREA = "laporan"
_TICK = timedelta(microseconds=1)


def say(key: str, **fields: object) -> str:
    return text(AREA, key, **fields)


def day(moment: date) -> str:
    """23 November 2026."""
    months = say("months").split()
    return say("date", day=moment.day, month=months[moment.month - 1], year=moment.year)


def short_day(moment: date, with_year: bool = False) -> str:
    """23 Nov (or Nov 2026, for a month)."""
    months = say("month_short").split()
    if with_year:
        return f"{months[moment.month - 1]} {moment.year}"
    return f"{moment.day} {months[moment.month - 1]}"


def moment_text(moment: datetime, zone: ZoneInfo) -> str:
    """23 November 2026 08:00 WIB: a report is read in other zones too."""
    local = moment.astimezone(zone)
    return f"{day(local.date())} {local:%H:%M} {local.tzname() or zone.key}".rstrip()


def period_line(report: Report, zone: ZoneInfo) -> str:
    return period_words(report.period, zone)


def period_words(period: Period, zone: ZoneInfo) -> str:
    """The period a record covers, as its page says it ("Periode: 1 Januari 2026 s.d. …")."""
    start, end = period.start, period.end
    if start is not None and end is not None:
        last = (end.astimezone(zone) - _TICK).date()  # the end is exclusive: its day before
        return say("period_between", start=day(start.astimezone(zone).date()), end=day(last))
    if start is not None:
        return say("period_from", start=day(start.astimezone(zone).date()))
    if end is not None:
        return say("period_until", end=day((end.astimezone(zone) - _TICK).date()))
    return say("period_all")


def made_line(report: Report, zone: ZoneInfo) -> str:
    return made_words(report.made_at, report.viewer, zone)


def made_words(made_at: datetime, viewer: str | None, zone: ZoneInfo) -> str:
    """When a record was made and whose view it shows (None: the whole office)."""
    moment = moment_text(made_at, zone)
    if viewer is None:
        return say("made", moment=moment)
    return say("made_for", moment=moment, who=viewer)


def percent(share: float) -> str:
    return say("share", percent=round(100 * share))


def summary(sop: SopFigures) -> str:
    return say(
        "summary",
        cases=sop.cases,
        closed=sop.closed,
        running=sop.cases - sop.closed,
        threshold=percent(sop.threshold),
    )


def standard(step: StepFigures) -> str:
    """The step's standard as the SOP writes it (days in words); the office's default, said so."""
    if step.standard_words:
        return step.standard_words
    if step.standard:
        return step.standard
    return say("standard_default", minutes=duration(step.standard_minutes))


def minutes(value: int | None) -> str:
    return say("none") if value is None else duration(value)


def within(step: StepFigures) -> str:
    if not step.handled:
        return say("none")
    share = step.within / step.handled
    return say("share_of", within=step.within, handled=step.handled, percent=round(100 * share))


def running(step: StepFigures) -> str:
    if not step.running:
        return "0"
    return f"{step.running} ({step.running_late})" if step.running_late else str(step.running)


def step_row(step: StepFigures) -> list[str]:
    """A row of the steps table, as the PDF prints it."""
    return [
        str(step.number),
        step.title,
        standard(step),
        str(step.handled),
        minutes(step.median),
        minutes(step.p90),
        within(step),
        str(step.returned),
        str(step.forwarded),
        str(step.missing_documents),
        running(step),
    ]


STEP_COLUMNS = (
    "col_no",
    "col_step",
    "col_standard",
    "col_handled",
    "col_median",
    "col_p90",
    "col_within",
    "col_returned",
    "col_forwarded",
    "col_missing",
    "col_running",
)
OFFICIAL_COLUMNS = ("col_official", "col_tasks", "col_late", "col_reminders")
MONITORING_COLUMNS = ("col_no", "col_procedure", "col_assessment", "col_note", "col_action")


def headings(keys: tuple[str, ...]) -> list[str]:
    return [say(k) for k in keys]


def assessment(step: StepFigures, threshold: float) -> str:
    good = step.good(threshold)
    if good is None:
        return say("not_judged")
    return say("good") if good else say("not_good")


def note(renderer: Renderer, step: StepFigures, threshold: float) -> str:
    """The monitoring table's catatan for a step, one paragraph."""
    written = renderer.render(
        "laporan_catatan", {"s": step, "threshold": threshold, "standard": standard(step)}
    )
    return " ".join(written.split())


def signature(sop: SopFigures, made: date) -> list[str]:
    role = say("signature_role", unit=sop.unit) if sop.unit else say("signature_role_plain")
    return [
        say("signature_place_date", date=day(made)),
        role,
        "",
        "",
        "",
        say("signature_name"),
        say("signature_id"),
    ]
