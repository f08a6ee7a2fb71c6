"""Configuration: plain environment variables (and an optional `.env`), checked at start.

A broken value is refused with a message naming the variable and never echoing its value, so a
mistyped token or password cannot leak into a log. The messages are in
templates/texts/config.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core import redact
from bot.core.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours
from bot.core.texts import text

# pydantic's own refusals (its messages are English): the config.yaml text for each.
_REFUSALS = {
    "int_parsing": "whole_number",
    "int_from_float": "whole_number",
    "float_parsing": "number",
    "bool_parsing": "true_or_false",
    "greater_than": "greater_than",
    "greater_than_equal": "at_least",
    "less_than": "less_than",
    "less_than_equal": "at_most",
}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
# A database URL as SQLAlchemy reads it (sqlalchemy/engine/url.py `_parse_url`), written here
# because the pure core does not import the database library; tests/test_config.py checks that
# what this takes, make_url takes too.
_DATABASE_URL = re.compile(
    r"""[\w+]+://
    (?:(?P<user>[^:/]*)(?::[^@]*)?@)?
    (?:(?:\[(?P<ipv6>[^/?]+)\]|(?P<host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    """,
    re.X,
)


class ConfigError(Exception):
    """Raised with one line per broken variable."""

    @classmethod
    def of(cls, refusals: Iterable[tuple[str, str]]) -> ConfigError:
        """The error for these variables, each with why it was refused."""
        lines = (text("config", "refused", name=name, reason=why) for name, why in refusals)
        return cls("\n".join(lines))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # repr=False: a URL may carry a password, and settings do get printed while debugging.
    database_url: str = Field(default="sqlite+inline:///disposisi.db", repr=False, exclude=True)
    sqlite_synchronous: str = "full"  # bot/storage/db.py says why (DEFAULT_SQLITE_SYNCHRONOUS)
    timezone: str = "Asia/Jakarta"
    office_hours: str = DEFAULT_OFFICE_HOURS
    holiday_country: str = "ID"
    holiday_subdivision: str | None = None
    calendar_overrides: Path | None = None
    sop_dir: Path | None = None  # None: the SOPs shipped in sops/
    archive_dir: Path = Path("arsip")
    default_step_minutes: int = Field(default=60, ge=1, le=24 * 60)
    max_document_mb: int = Field(default=20, ge=1, le=2000)
    allowed_document_types: str = (
        "application/pdf,image/jpeg,image/png,"
        "application/msword,"
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
        "application/vnd.ms-excel,"
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str | None = None  # e.g. http://127.0.0.1:8081/bot for the emulator
    webhook_url: str | None = None  # set: webhook mode (Telegram pushes to this public URL)
    webhook_secret: SecretStr | None = None  # checked on every push; generated if not set
    webhook_listen: str = "0.0.0.0:8443"  # where the webhook server listens (host:port)
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # How long an instance holds an update it handles; one whose instance died is taken up by
    # another after this.
    inbox_lease_seconds: float = Field(default=30.0, ge=1, le=3600)
    # How long a sender holds the messages it sends; those of a dead instance go after this.
    outbox_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Telegram asks for at most one message per second in a private chat; tests may raise it.
    private_chat_per_second: float = Field(default=1.0, gt=0, le=30)
    group_chat_per_minute: int = Field(default=20, ge=1, le=1200)  # Telegram's limit: 20
    # False only against the emulator with its limits off (benchmarks): Telegram would ban us.
    telegram_rate_limits: bool = True
    log_level: str = "INFO"
    # Reminders (an SOP file may set its own `reminders:`; these are the office defaults).
    nudge_sweep_seconds: float = Field(default=30.0, gt=0, le=3600)
    nudge_repeat: int = Field(default=60, ge=1, le=7 * 24 * 60)  # working minutes
    escalate_after: int = Field(default=2, ge=0, le=100)  # 0: never tell the superior
    daily_digest: bool = True  # the morning summary to subscribed groups

    @field_validator("*", mode="before")
    @classmethod
    def _stripped(cls, value: object, info: ValidationInfo) -> object:
        """A value pasted with a space or a newline around it means the value without them;
        an optional one left blank is not set."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        field = cls.model_fields.get(info.field_name or "")
        if not value and field is not None and field.default is None:
            return None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # As @BotFather gives it: the bot's number, a colon, letters, digits, "_" and "-". Any
        # other character would change the URL it is put in (a "#" cuts the rest off, a "/"
        # adds a path), and part of the secret would show in an error about that URL.
        if value is not None and not _TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError(text("config", "bad_token"))
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        url = normalize_database_url(value)
        _usable_database_url(url)
        return url

    @field_validator("sqlite_synchronous")
    @classmethod
    def _synchronous(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in {"full", "normal"}:
            raise ValueError(text("config", "bad_synchronous"))
        return mode

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(text("config", "unknown_zone", value=value)) from exc
        return value

    @field_validator("office_hours")
    @classmethod
    def _hours_parse(cls, value: str) -> str:
        try:
            OfficeHours.parse(value)
        except ValueError:  # its reason is English, for developers
            raise ValueError(text("config", "bad_office_hours", value=value)) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in _LOG_LEVELS:
            raise ValueError(text("config", "bad_log_level", levels=", ".join(_LOG_LEVELS)))
        return level

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(text("config", "bad_http_url"))
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(text("config", "bad_host_port"))
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def allowed_mime_types(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.allowed_document_types.split(",") if t.strip())

    @property
    def max_document_bytes(self) -> int:
        return self.max_document_mb * 1024 * 1024


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs operators know and pick the asyncio driver for them."""
    url = url.strip()
    for plain, asynchronous in (
        ("sqlite://", "sqlite+inline://"),
        ("sqlite+aiosqlite://", "sqlite+inline://"),  # what earlier versions wrote
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return asynchronous + url[len(plain) :]
    if url.startswith(("sqlite+inline://", "postgresql+asyncpg://")):
        return url
    raise ValueError(text("config", "bad_database_url"))


def _usable_database_url(url: str) -> None:
    """Refuse, in the operator's words, a URL the engine could not use: else each command would
    fail at its first connection with a traceback (SQLAlchemy's ValueError on a port that is no
    number, the socket's OverflowError on one past 65535), or, for `sqlite://FILE.db`, quietly
    use a database in memory that is lost at exit. The reasons never quote the URL: it may hold
    a password."""
    parts = _DATABASE_URL.match(url)
    if parts is None:  # not after normalize_database_url, which checked the scheme
        raise ValueError(text("config", "database_url_unreadable"))
    host, port = parts["host"], parts["port"]
    # "[::1" unclosed, a port "notaport" or empty; an "@" of the password written as it is
    # (SQLAlchemy takes the password up to the first "@", and the rest as the host).
    if (host is not None and "@" in host) or (port is not None and not port.isdigit()):
        raise ValueError(text("config", "database_url_unreadable"))
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError(text("config", "database_url_port"))
    if url.startswith("sqlite") and (parts["user"] is not None or host or parts["ipv6"] or port):
        raise ValueError(text("config", "database_url_sqlite_host"))


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise ConfigError naming each broken variable (never its value).

    The secrets of the settings read are registered with `redact`, so that nothing printed or
    logged from now on shows them."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        refusals = [
            ("_".join(str(part) for part in error["loc"]).upper() or "?", _refusal(error))
            for error in exc.errors(include_input=False, include_url=False)
        ]
        raise ConfigError.of(refusals) from None
    redact.protect(settings)
    return settings


def settings_if_valid() -> Settings | None:
    """The settings, or None when they are broken: for what can do without them."""
    try:
        return load_settings()
    except ConfigError:
        return None


def _refusal(error: ErrorDetails) -> str:
    """Why a value was refused, in Indonesian; our validators' reasons already are."""
    if error["type"] == "value_error":
        return error["msg"].removeprefix("Value error, ")
    key = _REFUSALS.get(error["type"])
    if key is None:
        return text("config", "unusable")
    limits = {k: _number(v) for k, v in error.get("ctx", {}).items()}
    return text("config", key, **limits)


def _number(value: object) -> object:
    """0.0 as 0: the limits are written as the operator would."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
