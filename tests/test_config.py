"""Configuration: defaults, plain URLs, and broken values refused by name, never echoed."""

from __future__ import annotations

import pytest

from bot.core import redact
from bot.core.config import ConfigError, load_settings
from bot.tools.cli import main

SECRET = "123456:AAH-sangat-rahasia"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in (
        "DATABASE_URL",
        "TIMEZONE",
        "OFFICE_HOURS",
        "DEFAULT_STEP_MINUTES",
        "TELEGRAM_BOT_TOKEN",
        "LOG_LEVEL",
        "MAX_DOCUMENT_MB",
        "TELEGRAM_API_URL",
        "OUTBOX_POLL_SECONDS",
        "TELEGRAM_RATE_LIMITS",
        "SOP_DIR",
        "CALENDAR_OVERRIDES",
        "HOLIDAY_COUNTRY",
        "HOLIDAY_SUBDIVISION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setattr(redact, "_known", {})  # the secrets these tests load stay here


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+inline:///disposisi.db"
    assert settings.timezone == "Asia/Jakarta"
    assert settings.telegram_bot_token is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/kantor.db", "sqlite+inline:///data/kantor.db"),
        ("postgresql://bot@db/disposisi", "postgresql+asyncpg://bot@db/disposisi"),
        ("postgres://bot@db/disposisi", "postgresql+asyncpg://bot@db/disposisi"),
    ],
)
def test_plain_database_urls_get_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings().database_url == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("TIMEZONE", "Asia/Bangka"),
        ("OFFICE_HOURS", "senin 16:00-07:30"),
        ("DEFAULT_STEP_MINUTES", "nol"),
        ("DEFAULT_STEP_MINUTES", "0"),
        ("LOG_LEVEL", "cerewet"),
        ("MAX_DOCUMENT_MB", "-1"),
    ],
)
def test_a_broken_value_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", SECRET)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value).startswith(f"{name}:")
    assert SECRET not in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("DEFAULT_STEP_MINUTES", "nol", "harus bilangan bulat, misalnya 60"),
        ("DEFAULT_STEP_MINUTES", "0", "harus paling sedikit 1"),
        ("DEFAULT_STEP_MINUTES", "99999", "harus paling banyak 1440"),
        ("OUTBOX_POLL_SECONDS", "0", "harus lebih dari 0"),
        ("OUTBOX_POLL_SECONDS", "sering", "harus bilangan, misalnya 1.5"),
        ("TELEGRAM_RATE_LIMITS", "mungkin", "harus true atau false"),
        (
            "TELEGRAM_API_URL",
            "127.0.0.1:8081/bot",
            "harus alamat lengkap yang diawali http:// atau https://",
        ),
        (
            "WEBHOOK_URL",
            "bot.kantor.example",
            "harus alamat lengkap yang diawali http:// atau https://",
        ),
        (
            "OFFICE_HOURS",
            "senin 16:00-07:30",
            "tidak terbaca: 'senin 16:00-07:30'; tulis hari dan jam buka-tutup, misalnya "
            "'sen-kam 07:30-16:00; jum 07:30-16:30' (jam tutup sesudah jam buka)",
        ),
    ],
)
def test_the_reason_is_given_in_indonesian(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == f"{name}: {reason}"


def test_surrounding_spaces_are_stripped_from_every_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f" {SECRET} \n")  # pasted with a space, or a file's
    monkeypatch.setenv("TELEGRAM_API_URL", "\thttp://127.0.0.1:8081/bot ")
    monkeypatch.setenv("TIMEZONE", " Asia/Makassar ")
    monkeypatch.setenv("SOP_DIR", " /srv/sop ")
    monkeypatch.setenv("LOG_LEVEL", " debug ")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == SECRET
    assert settings.telegram_api_url == "http://127.0.0.1:8081/bot"
    assert settings.timezone == "Asia/Makassar"
    assert str(settings.sop_dir) == "/srv/sop"
    assert settings.log_level == "DEBUG"


def test_an_optional_value_left_blank_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    monkeypatch.setenv("TELEGRAM_API_URL", "")
    settings = load_settings()
    assert settings.telegram_bot_token is None and settings.telegram_api_url is None


def test_the_token_is_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", SECRET)
    settings = load_settings()
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == SECRET


def test_a_database_password_is_not_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:kata-sandi@db/x")
    assert "kata-sandi" not in repr(load_settings())


def test_a_database_password_in_a_broken_url_is_not_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "oracle://bot:kata-sandi@db/x")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "kata-sandi" not in str(refused.value)


PASSWORD = "S3cr3tPa55"
UNREADABLE = "URL-nya tidak terbaca; tulis postgresql://PENGGUNA:SANDI@HOST:PORT/BASISDATA"
BAD_PORT = "port harus bilangan 1 sampai 65535"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"postgresql://admin:{PASSWORD}@127.0.0.1:notaport/x", UNREADABLE),
        (f"postgresql://admin:{PASSWORD}@[::1", UNREADABLE),
        (f"postgresql://admin:{PASSWORD}@127.0.0.1:/x", UNREADABLE),
        (f"postgresql://admin:{PASSWORD}@bagian@127.0.0.1/x", UNREADABLE),  # "@" not as %40
        (f"postgresql://admin:{PASSWORD}@127.0.0.1:99999/x", BAD_PORT),
        (f"postgresql://admin:{PASSWORD}@127.0.0.1:0/x", BAD_PORT),
        ("sqlite://disposisi.db", "berkas SQLite ditulis dengan tiga garis miring: sqlite:///"),
    ],
)
def test_a_database_url_the_engine_cannot_use_is_refused_without_its_password(
    monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value).startswith(f"DATABASE_URL: {reason}")
    assert PASSWORD not in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot@[::1]:5432/disposisi",
        "postgresql://bot:S3cr3t%40Pa55@db.kantor:6432/disposisi?ssl=require",
        "sqlite:////srv/disposisi/kantor.db",
    ],
)
def test_a_usable_database_url_is_taken(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_settings().database_url.endswith(url.partition("://")[2])


def test_what_the_settings_take_sqlalchemy_reads_and_can_connect_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The settings read a database URL as SQLAlchemy does (the core does not import it)."""
    from sqlalchemy.engine import make_url

    hosts = ["h", "127.0.0.1", "[::1]", "[::1", "::1", "h1,h2", "", "b@h", "h:", "h:x", "h:0"]
    hosts += ["h:5432", "h:65535", "h:65536", "h:-1", "h:99999", "[::1]:5432", "[::1]:x"]
    users = ["", "u@", "u:p@", "u:p/q@", "u:p#q?@", "u:p%40q@", "u:@", ":p@", "u:p:q@"]
    tails = ["", "/db", "/db?ssl=require", "/db/x", "?x=1"]
    taken = 0
    for user in users:
        for host in hosts:
            for tail in tails:
                for scheme in ("postgresql", "sqlite"):
                    url = f"{scheme}://{user}{host}{tail}"
                    monkeypatch.setenv("DATABASE_URL", url)
                    try:
                        read = load_settings().database_url
                    except ConfigError:
                        continue
                    parsed = make_url(read)  # no ValueError, no ArgumentError
                    assert parsed.port is None or 0 < parsed.port < 65536, url
                    assert "@" not in (parsed.host or ""), url
                    if scheme == "sqlite":
                        assert (parsed.host, parsed.port, parsed.username) == (None,) * 3, url
                    taken += 1
    assert taken > 300


@pytest.mark.parametrize(
    "argv",
    [
        ["rekap", "--out", "r.xlsx"],
        ["laporan", "--out", "r.pdf"],
        ["lembar", "0001/KS/2026", "--out", "l.pdf"],
        ["audit", "cek", "K3DKM-M2MWS"],
        ["audit", "verify"],
        ["db", "upgrade"],
        ["run"],  # the bot's start
    ],
)
def test_every_command_refuses_a_broken_database_url_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://admin:{PASSWORD}@127.0.0.1:notaport/x")
    assert main(argv) == 2
    err = capsys.readouterr().err
    [heading, line] = err.splitlines()
    assert heading == "Konfigurasi salah:" and line.startswith(f"  DATABASE_URL: {UNREADABLE}")
    assert PASSWORD not in err


def test_the_cli_refuses_a_broken_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "Konfigurasi salah" in err and "TIMEZONE" in err


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "CALENDAR_OVERRIDES",
            "libur.yaml",
            "CALENDAR_OVERRIDES: libur.yaml:1: harus berupa daftar",
        ),
        ("HOLIDAY_COUNTRY", "XX", "HOLIDAY_COUNTRY: negara tidak dikenal oleh pustaka holidays"),
        ("HOLIDAY_SUBDIVISION", "XX", "HOLIDAY_SUBDIVISION: wilayah tidak dikenal untuk negara ID"),
    ],
)
def test_a_broken_calendar_is_refused_by_name_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    said: str,
) -> None:
    from pathlib import Path

    Path("libur.yaml").write_text("tanggal: 2026-12-24\n")  # a mapping, not a list
    monkeypatch.setenv("DATABASE_URL", "sqlite:///bot.storage.db")
    monkeypatch.setenv(variable, value)
    assert main(["reminders", "simulate", "--from", "2026-12-23 13:00", "--days", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Konfigurasi salah:") and said in err and "Traceback" not in err


def test_a_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from pathlib import Path

    Path(".env").write_text("DEFAULT_STEP_MINUTES=45\n")
    assert load_settings().default_step_minutes == 45
