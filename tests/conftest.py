"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL where its URL is set),
a frozen clock, and the twelve officials of the seed SOP."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.paths import data_dir
from bot.services.context import Context, build_context
from bot.services.officials import add_official, assign_role
from bot.storage.audit import GENESIS
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from models import Base

POSTGRES_ENV = "DISPOSISI_TEST_POSTGRES_URL"
WIB = ZoneInfo("Asia/Jakarta")
# A Monday morning in office hours, not a holiday.
MONDAY_0800 = datetime(2026, 11, 23, 8, 0, tzinfo=WIB)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


_scratch: list[str] = []  # this run's own database, made on first use


def needs_postgres() -> str:
    """The URL of this run's scratch database on the server `DISPOSISI_TEST_POSTGRES_URL`
    names (created on first use, dropped when the run ends, so two runs never meet); the test
    is skipped, with the reason, where no server is given."""
    url = postgres_url()
    if url is None:
        reason = f"{POSTGRES_ENV} is not set: no PostgreSQL to test against"
        if os.environ.get("DISPOSISI_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    if not _scratch:
        name = f"disposisi_test_{os.getpid()}_{secrets.token_hex(3)}"
        _on_server(url, f'CREATE DATABASE "{name}"')
        _scratch.append(url.rsplit("/", 1)[0] + "/" + name)
    return _scratch[0]


def _on_server(url: str, statement: str) -> None:
    """Run one statement outside a transaction, off any running event loop."""

    async def run() -> None:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session", autouse=True)
def _drop_scratch_database() -> Iterator[None]:
    yield
    url = postgres_url()
    if _scratch and url is not None:
        name = _scratch[0].rsplit("/", 1)[1]
        _on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of the file (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        engine = create_engine(f"sqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()  # the last connection to close folds the WAL into the file

    asyncio.run(migrate())
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    url = needs_postgres()

    async def reset() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(reset())
    return url


async def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        # A tamper test may have switched the append-only trigger off.
        await connection.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_append_only")
        await connection.execute(
            text(
                "INSERT INTO audit_head (id, last_event_id, last_hash, count) VALUES (1, 0, :g, 0)"
            ),
            {"g": GENESIS},
        )
    await engine.dispose()


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Override with `@pytest.mark.parametrize("backend", [...], indirect=True)`."""
    return str(request.param)


@pytest.fixture
def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    if backend == "postgres":
        url = request.getfixturevalue("postgres_migrated")
        asyncio.run(_empty_postgres(url))
        yield url
        return
    path = tmp_path / "disposisi.db"
    shutil.copy(sqlite_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_0800)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, archive_dir=tmp_path / "arsip", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def ctx(settings: Settings, clock: FrozenClock) -> AsyncIterator[Context]:
    context = build_context(settings, clock=clock)
    yield context
    await context.close()


@dataclass
class Office:
    """The officials of the seed SOP: role key -> official id, and their Telegram chat ids."""

    ids: dict[str, int]
    chats: dict[str, int]

    def __getitem__(self, role: str) -> int:
        return self.ids[role]


SEED_ROLES = (
    "gubernur",
    "sekda",
    "asisten1",
    "tkksd",
    "karo",
    "kabag_ks",
    "kasubbag_kss_ln",
    "analis_ls",
    "analis_pks",
    "pengelola_info",
    "pengadministrasi",
    "perangkat_daerah",
)
AGENCY = "Dinas Pariwisata"


@pytest.fixture
async def office(ctx: Context) -> Office:
    return await seed_office(ctx)


async def seed_office(ctx: Context) -> Office:
    """The twelve officials of the seed SOP, a staff member, a stranger and an IT admin."""
    ids, chats = {}, {}
    for number, role in enumerate(SEED_ROLES, start=1):
        chat = 1000 + number
        official = await add_official(ctx, name=f"Pejabat {role}", telegram_user_id=chat)
        unit = AGENCY if role == "perangkat_daerah" else None
        await assign_role(ctx, official_id=official, role=role, unit=unit)
        ids[role], chats[role] = official, chat
    # Two people with no role in the SOP: a staff member to forward to, and a stranger.
    for name, chat in (("staf", 2001), ("orang_lain", 2002)):
        ids[name] = await add_official(ctx, name=f"Pegawai {name}", telegram_user_id=chat)
        chats[name] = chat
    ids["admin"] = await add_official(ctx, name="Admin TI", telegram_user_id=2003, is_admin=True)
    chats["admin"] = 2003
    return Office(ids, chats)


@pytest.fixture
def console(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ARCHIVE_DIR", str(tmp_path / "arsip"))
    return tmp_path


@pytest.fixture
async def letters_office(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Context]:
    """A context with the shipped incoming-letters SOP alone in its SOP_DIR."""
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(data_dir("sops") / "surat_masuk.yaml", sops / "surat_masuk.yaml")
    context = build_context(settings.model_copy(update={"sop_dir": sops}), clock=clock)
    yield context
    await context.close()
