"""Secrets out of every output: log lines, tracebacks, the CLI's messages, stored error texts.

The configuration's secrets (the bot token and its secret half, passwords in URLs, the webhook
secret) are registered when the settings are loaded; `scrub` replaces each of them, raw and
URL-encoded, wherever it appears. The token travels in every Bot API URL and PTB quotes it in
its own errors, so no message may be trusted to leave it out: the whole text is scrubbed.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote, quote_plus, unquote, urlsplit

if TYPE_CHECKING:
    from bot.core.config import Settings

TOKEN_MASK = "<token>"
PASSWORD_MASK = "***"  # as SQLAlchemy writes a hidden password
SECRET_MASK = "<rahasia>"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# name of the setting → (value, mask) for each form in which it may show up
_known: dict[str, list[tuple[str, str]]] = {}


def scrub(text: str) -> str:
    """`text` with every known secret masked; the longest first, so a whole token goes before
    its secret half and nothing is left of a secret that contains another. Case is ignored:
    PTB capitalizes the description of an API error (`str.capitalize` lowercases the rest), so
    a token a server quotes back reaches us lowercased."""
    forms = sorted((form for forms in _known.values() for form in forms), key=lambda f: -len(f[0]))
    for value, mask in forms:
        text = re.compile(re.escape(value), re.IGNORECASE).sub(mask.replace("\\", r"\\"), text)
    return text


def remember(name: str, value: str | None, mask: str = SECRET_MASK) -> None:
    """Keep `value` (a secret named after its setting) out of every output from now on."""
    values = [value] if value else []
    _known[name] = [(form, mask) for v in values for form in _encodings(v)]
    if not _known[name]:
        del _known[name]


def protect(settings: Settings) -> None:
    """Register the secrets of the configuration in force."""
    token = settings.telegram_bot_token
    webhook = settings.webhook_secret
    protect_values(
        token=token.get_secret_value() if token else None,
        webhook_secret=webhook.get_secret_value() if webhook else None,
        urls={
            "DATABASE_URL": settings.database_url,
            "TELEGRAM_API_URL": settings.telegram_api_url,
            "WEBHOOK_URL": settings.webhook_url,
        },
    )


def protect_environment(environ: Mapping[str, str]) -> None:
    """The same from the raw variables, before (or without) valid settings."""
    names = ("DATABASE_URL", "TELEGRAM_API_URL", "WEBHOOK_URL")
    protect_values(
        token=environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        webhook_secret=environ.get("WEBHOOK_SECRET", "").strip() or None,
        urls={name: environ.get(name) for name in names},
    )


def protect_values(
    *, token: str | None, webhook_secret: str | None, urls: Mapping[str, str | None]
) -> None:
    remember("TELEGRAM_BOT_TOKEN", token, TOKEN_MASK)
    # "123456:AAH…": the bot's id is public (it is the bot's user id), the rest is the secret.
    half = token.partition(":")[2] if token and ":" in token else None
    remember("TELEGRAM_BOT_TOKEN:secret", half, TOKEN_MASK)
    remember("WEBHOOK_SECRET", webhook_secret)
    for name, url in urls.items():
        remember(f"{name}:password", _password(url), PASSWORD_MASK)


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        password = urlsplit(url.strip()).password
    except ValueError:  # not a URL: the configuration refuses it, and says so without it
        return None
    return unquote(password) if password else None


def _encodings(value: str) -> Iterable[str]:
    """The forms a secret takes in URLs, reprs and JSON."""
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
    }
    return sorted(f for f in forms if f)


class ScrubbingFormatter(logging.Formatter):
    """A formatter whose whole output is scrubbed: the message, its arguments, the exception
    text and the stack. The exception text it caches on the record is scrubbed too, so another
    handler reusing it gets the clean one."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        return scrub(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return scrub(super().formatStack(stack_info))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (as logging.lastResort does)."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        logging.Handler.__init__(self, level)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def setup_logging(level: str) -> None:
    """Log to stderr at `level`, every handler of the root logger scrubbing its output."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.getLogger().setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request, with its URL
    for handler in logging.getLogger().handlers:
        handler.setFormatter(ScrubbingFormatter(LOG_FORMAT))


def install() -> None:
    """Scrub what Python itself prints: uncaught exceptions (main thread and others) and
    records logged before logging is set up (they go to logging.lastResort)."""
    # Python's own hooks only: a debugger's or a test runner's stays as it is.
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _print_scrubbed
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _print_thread_scrubbed
    last_resort = _StderrHandler(logging.WARNING)
    last_resort.setFormatter(ScrubbingFormatter())
    logging.lastResort = last_resort


def format_exception(error: BaseException) -> str:
    """The traceback Python would print, scrubbed."""
    return scrub("".join(traceback.format_exception(error)))


def _print_scrubbed(
    kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> None:
    sys.stderr.write(scrub("".join(traceback.format_exception(kind, error, tb))))


def _print_thread_scrubbed(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    if args.exc_value is not None:
        _print_scrubbed(args.exc_type, args.exc_value, args.exc_traceback)
