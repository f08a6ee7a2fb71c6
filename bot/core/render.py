"""Rendering user-facing text: Jinja2 templates in templates/, Telegram HTML, Indonesian.

Autoescape is on, so anything an official typed (titles, reasons, names) is escaped; undefined
names fail loudly instead of printing nothing. Every text rendered for Telegram is fitted into its
limits here (bot/core/fit.py), so no message fails for length, whatever was stored.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.core.fit import MAX_CALLBACK_ANSWER, MAX_CAPTION, fit, fit_plain
from bot.core.paths import data_dir
from bot.core.sop.duration import format_minutes

DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


class Renderer:
    def __init__(
        self, zone: ZoneInfo, *, html: bool = True, noun: str | None = None, **office: object
    ) -> None:
        """`html`: Telegram HTML, user content escaped; False for a terminal (the CLI).
        `noun`: what every SOP in force calls a case, for texts about cases of any SOP;
        `office`: more such facts of the office every template may use (the command menu)."""
        self.zone, self.html = zone, html
        self.env = Environment(
            loader=FileSystemLoader(data_dir("templates")),
            autoescape=html,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["waktu"] = self.local_time
        self.env.filters["durasi"] = duration
        self.env.filters["tanggal"] = day_text
        self.env.filters["tgl"] = short_date
        self.env.filters["jam"] = self.clock_time
        self.env.filters["angka"] = number
        self.env.filters["kapital"] = first_upper
        self.env.globals["office_noun"] = noun or ""
        self.env.globals.update(office)
        # Button labels and callback answers are plain text to Telegram: escaping them would show
        # "A&amp;B". Same templates and filters, no escaping.
        self.plain_env = self.env.overlay(autoescape=False)
        self.cut_mark = self._render("cut_mark", {})

    def render(self, template: str, context: dict[str, object]) -> str:
        """A message's text; for Telegram, cut to its limit if what was typed is too long."""
        text = self._render(template, context)
        return fit(text, self.cut_mark) if self.html else text

    def render_caption(self, template: str, context: dict[str, object]) -> str:
        """A document's caption (Telegram HTML), cut to Telegram's 1,024."""
        return fit(self._render(template, context), self.cut_mark, MAX_CAPTION)

    def render_answer(self, template: str, context: dict[str, object]) -> str:
        """The text of a button's answer (plain text), within Telegram's 200 characters."""
        return fit_plain(self.plain(template, context), self.cut_mark, MAX_CALLBACK_ANSWER)

    def _render(self, template: str, context: dict[str, object]) -> str:
        return self.env.get_template(f"{template}.j2").render(**context).strip()

    def plain(self, template: str, context: dict[str, object]) -> str:
        """For plain-text fields (button labels, callback answers): nothing escaped."""
        return self.plain_env.get_template(f"{template}.j2").render(**context).strip()

    def local_time(self, moment: datetime | str | None) -> str:
        """'Rab, 25 Nov 2026 10:30 WIB' in the office's zone."""
        if moment is None:
            return "—"
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        local = moment.astimezone(self.zone)
        zone = ZONE_NAMES.get(str(self.zone)) or local.tzname() or ""
        return (
            f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
            f"{local:%H:%M} {zone}"
        ).strip()

    def clock_time(self, moment: datetime | str) -> str:
        """'10:30' in the office's zone."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return f"{moment.astimezone(self.zone):%H:%M}"


def day_text(day: date | str) -> str:
    """'Senin, 23 Nov 2026'."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date | str) -> str:
    """'23 Nov 2026': a period's bounds, where a weekday would only crowd the line."""
    if isinstance(day, str):  # as a caption waiting in the outbox holds it
        day = date.fromisoformat(day)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_date(day: date | str) -> str:
    """'23 November 2026', as a letter is dated."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def number(value: int) -> str:
    """1250 as '1.250', the Indonesian way."""
    return f"{value:,}".replace(",", ".")


def duration(minutes: float | None) -> str:
    """Working minutes as '1 jam 30 menit'."""
    if minutes is None:
        return "—"
    total = round(minutes)
    return ("-" if total < 0 else "") + format_minutes(abs(total))  # the SOP table's words


def first_upper(text: str) -> str:
    """ "surat masuk" -> "Surat masuk": Jinja's capitalize would lower the rest ("SPT")."""
    return text[:1].upper() + text[1:]
