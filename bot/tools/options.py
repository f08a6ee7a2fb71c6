"""What several commands read the same way: a local time given on the command line, and the
bot token from the environment."""

from __future__ import annotations

import sys
from datetime import datetime

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


def require_token(settings: Settings) -> str:
    """The bot token; ConfigError, naming the variable, when it is not set."""
    if settings.telegram_bot_token is None:
        raise ConfigError.of([("TELEGRAM_BOT_TOKEN", text("config", "not_set"))])
    return settings.telegram_bot_token.get_secret_value()
