"""Durability on SQLite: every connection the bot opens commits with `synchronous=FULL` (an
approval the official saw saved survives a power cut), unless SQLITE_SYNCHRONOUS says normal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.core.config import ConfigError, Settings, load_settings
from bot.services.context import build_context
from bot.storage.db import DEFAULT_SQLITE_SYNCHRONOUS, read_connection

# What `PRAGMA synchronous` answers: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
NORMAL, FULL = 1, 2


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SQLITE_SYNCHRONOUS", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kantor.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env


async def in_force(settings: Settings) -> tuple[int, int, str]:
    """(synchronous on a write connection, on a read connection, the journal mode), as the bot
    opens them: `disposisi run` builds its context the same way."""
    ctx = build_context(settings)
    try:
        async with ctx.engine.begin() as connection:
            written = (await connection.execute(text("PRAGMA synchronous"))).scalar_one()
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            async with read_connection(ctx.engine) as reader:  # a second pooled connection
                read = (await reader.execute(text("PRAGMA synchronous"))).scalar_one()
    finally:
        await ctx.close()
    return int(written), int(read), str(journal)


async def test_the_bot_commits_with_synchronous_full_by_default() -> None:
    settings = load_settings()
    assert settings.sqlite_synchronous == DEFAULT_SQLITE_SYNCHRONOUS == "full"
    assert await in_force(settings) == (FULL, FULL, "wal")


@pytest.mark.parametrize(("given", "expected"), [("normal", NORMAL), (" NORMAL ", NORMAL)])
async def test_sqlite_synchronous_normal_is_honoured(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: int
) -> None:
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", given)
    settings = load_settings()
    assert settings.sqlite_synchronous == "normal"
    assert await in_force(settings) == (expected, expected, "wal")


async def test_sqlite_synchronous_full_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "Full")
    assert await in_force(load_settings()) == (FULL, FULL, "wal")


@pytest.mark.parametrize("value", ["off", "extra", "2", ""])
def test_another_mode_is_refused_in_indonesian(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == "SQLITE_SYNCHRONOUS: harus full atau normal"
