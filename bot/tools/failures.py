"""What the CLI says when a command fails for a reason the operator can fix: a broken setting,
a token Telegram refuses, Telegram or the database out of reach, a database not set up. One or
two lines from templates/cli_error.j2, never a traceback, never a secret. Anything else is a
bug, and is left to show its (scrubbed) traceback."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import TracebackType
from zoneinfo import ZoneInfo

from bot.core import redact
from bot.core.config import ConfigError, Settings, settings_if_valid

_DATABASE_MODULES = ("asyncpg", "sqlalchemy", "bot.storage.sqlite_inline", "aiosqlite", "sqlite3")


@dataclass(frozen=True)
class Failure:
    kind: str  # a branch of templates/cli_error.j2
    detail: str = ""
    lines: list[str] = field(default_factory=list)


class _WithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


def quiet_library_tracebacks() -> None:
    """PTB logs a traceback when a server answers something other than JSON (a wrong
    TELEGRAM_API_URL, a proxy's error page), then raises: the line says what came back, the
    raise says what failed; the traceback only repeats them."""
    logger = logging.getLogger("telegram.request.BaseRequest")
    if not any(isinstance(f, _WithoutTraceback) for f in logger.filters):
        logger.addFilter(_WithoutTraceback())


def explain(error: BaseException) -> Failure | None:
    """The operator's reading of `error`, or None when it is not theirs to fix."""
    if isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        return explain(error.exceptions[0])
    if isinstance(error, ConfigError):
        return Failure("config", lines=str(error).splitlines())
    from bot.tools.database import NotSetUp

    if isinstance(error, NotSetUp):
        kind = "no_database" if error.missing else "behind" if error.behind else "not_set_up"
        return Failure(kind, error.where)
    from telegram.error import InvalidToken, NetworkError, TelegramError

    if isinstance(error, InvalidToken):  # PTB's word for a 401 or 404 to getMe
        return Failure("token")
    if isinstance(error, NetworkError):  # TimedOut included
        return Failure("unreachable", _first_line(error))
    if isinstance(error, TelegramError):
        return Failure("telegram", _first_line(error))
    from bot.app import CannotListen

    if isinstance(error, CannotListen):
        return Failure("listen", str(error))
    if _database_failure(error):
        return Failure("database", _cause(error))
    return None


def message(failure: Failure) -> str:
    """The lines to print for `failure`, scrubbed."""
    from bot.core.render import Renderer

    settings = settings_if_valid()
    context: dict[str, object] = {
        "kind": failure.kind,
        "detail": failure.detail,
        "lines": failure.lines,
        "api_url": settings.telegram_api_url if settings else None,
        "listen": settings.webhook_listen if settings else None,
        "database": _shown_database(settings),
    }
    return redact.scrub(Renderer(ZoneInfo("UTC"), html=False).render("cli_error", context))


def _database_failure(error: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(error, OperationalError):
        return True
    if isinstance(error, DBAPIError):
        return error.statement is None  # refused while connecting, before any SQL
    # asyncpg lets a refused or unresolvable connection through as a bare OSError.
    return isinstance(error, OSError) and _raised_in(error.__traceback__, _DATABASE_MODULES)


def _raised_in(tb: TracebackType | None, modules: tuple[str, ...]) -> bool:
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(modules):
            return True
        tb = tb.tb_next
    return False


def _cause(error: BaseException) -> str:
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError) and error.orig is not None:
        return _first_line(error.orig)  # without SQLAlchemy's wrapping and its link
    return f"{type(error).__name__}: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _shown_database(settings: Settings | None) -> str | None:
    if settings is None:
        return None
    from bot.storage.db import redact_url

    try:
        return redact_url(settings.database_url)
    except Exception:  # an unparsable URL: name the variable only
        return None
