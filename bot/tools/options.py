"""What several commands read the same way: a local time given on the command line, and the
bot token from the environment."""

from __future__ import annotations

import sys
from datetime import datetime

from bot.config import ConfigError, Settings


def local_time(text: str, settings: Settings, option: str) -> datetime | None:
    """An ISO date and time, in the office's zone unless it says otherwise; None if unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        print(
            f"{option}: bukan waktu yang dikenal: {text!r} (contoh: 2026-11-27 14:00)",
            file=sys.stderr,
        )
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)


def require_token(settings: Settings) -> str:
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: belum diisi")
    return settings.telegram_bot_token.get_secret_value()
