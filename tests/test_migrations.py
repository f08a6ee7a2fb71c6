"""Migrations: the same on SQLite and PostgreSQL, idempotent, and in step with the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.storage.db import create_engine
from bot.storage.migrate import downgrade, head_revision, upgrade
from bot.tools.cli import main
from models import Base
from tests.conftest import needs_postgres


def _diff(connection):  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def _check(url: str) -> None:
    engine = create_engine(url)
    try:
        _, after = await upgrade(engine)
        assert after == head_revision()
        again = await upgrade(engine)
        assert again == (after, after)  # a second run is a no-op
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"proposals", "tasks", "events", "outbox", "officials"} <= tables
    finally:
        await engine.dispose()


async def test_sqlite_upgrade_is_complete_and_idempotent(tmp_path: Path) -> None:
    await _check(f"sqlite:///{tmp_path / 'kosong.db'}")


async def test_postgres_upgrade_is_complete_and_idempotent() -> None:
    url = needs_postgres()
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DROP SCHEMA IF EXISTS migrasi_uji CASCADE")
        await connection.exec_driver_sql("CREATE SCHEMA migrasi_uji")
    await engine.dispose()
    # A schema of its own, so the shared test schema is left alone.
    scoped = create_engine(url, connect_args={"server_settings": {"search_path": "migrasi_uji"}})
    try:
        await upgrade(scoped)
        again = await upgrade(scoped)
        assert again[0] == again[1] == head_revision()
        async with scoped.connect() as connection:
            assert await connection.run_sync(_diff) == []
        await downgrade(scoped, "base")
        await upgrade(scoped)
    finally:
        await scoped.dispose()


async def test_sqlite_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'bolakbalik.db'}")
    try:
        await upgrade(engine)
        await downgrade(engine, "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
        await upgrade(engine)
    finally:
        await engine.dispose()


def test_cli_db_upgrade_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'baru.db'}")
    assert main(["db", "upgrade"]) == 0
    assert f"kosong → {head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "sudah mutakhir" in capsys.readouterr().out


def test_cli_db_upgrade_hides_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = needs_postgres()
    from sqlalchemy.engine import make_url

    with_password = make_url(url).set(password="rahasia-sekali")
    monkeypatch.setenv("DATABASE_URL", with_password.render_as_string(hide_password=False))
    assert main(["db", "upgrade"]) == 0  # trust auth ignores the password
    out = capsys.readouterr()
    assert "rahasia-sekali" not in out.out + out.err
    assert "***" in out.out


def test_upgrade_inside_a_running_loop_shares_the_connection(tmp_path: Path) -> None:
    async def inside() -> tuple[str | None, str | None]:
        engine = create_engine(f"sqlite:///{tmp_path / 'loop.db'}")
        try:
            return await upgrade(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(inside())[1] == head_revision()
