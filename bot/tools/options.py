"""What several commands read the same way: a local time given on the command line, a day that
bounds a record's period, and the bot token from the environment."""

from __future__ import annotations

import sys
from datetime import date, datetime

from bot.core.config import ConfigError, Settings
from bot.core.texts import text


def local_time(given: str, settings: Settings, option: str) -> datetime | None:
    """An ISO date and time, in the office's zone unless it says otherwise; None if unreadable."""
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        print(text("cli", "unknown_time", option=option, value=given), file=sys.stderr)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)


def bound_day(given: str | None, option: str, *, last: bool) -> date | None:
    """The first (or, with `last`, the last) day of what --from (--to) gives: a day, a month, a
    year, a semester, as /rekap and /laporan read them (`records.periode`); "--to 2026-06" is the
    30th of June. None when not given; ValueError, told, when unreadable."""
    from bot.records.periode import Unreadable, span_of

    if given is None or not given.strip():
        return None
    try:
        span = span_of(given)
    except Unreadable:
        print(text("cli", "bad_day", option=option, value=given[:120]), file=sys.stderr)
        raise ValueError(given) from None
    return span.last if last else span.first


def require_token(settings: Settings) -> str:
    """The bot token; ConfigError, naming the variable, when it is not set."""
    if settings.telegram_bot_token is None:
        raise ConfigError.of([("TELEGRAM_BOT_TOKEN", text("config", "not_set"))])
    return settings.telegram_bot_token.get_secret_value()
