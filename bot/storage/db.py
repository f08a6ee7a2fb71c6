"""Database engines: one code path for SQLite (one office) and PostgreSQL (a province).

SQLite: the driver in bot/storage/sqlite_inline.py (statements on the loop's thread, writers
queued on an asyncio lock), WAL so readers never block the writer, a busy timeout so a writer
waits for its turn, and `BEGIN IMMEDIATE` so a write transaction takes the write lock before it
reads — a plain `BEGIN` reads first and fails with "database is locked" when it later tries to
write under load.

Durability: `synchronous=FULL` by default (see `SQLITE_SYNCHRONOUS`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from bot.core.config import normalize_database_url
from bot.storage import sqlite_inline  # registers the sqlite+inline:// driver

SQLITE_BUSY_TIMEOUT_MS = sqlite_inline.BUSY_TIMEOUT_MS

# `PRAGMA synchronous` on every SQLite connection. In WAL mode NORMAL syncs the log only at a
# checkpoint, so the last commits before a power cut or an OS crash can vanish (a killed process
# loses nothing either way); FULL syncs the log at every commit, so an approval the official saw
# "✅ Tersimpan" for stays on disk. The cost, one fsync per commit, is measured by
# `disposisi bench` (bench/RESULTS.md, "Durability"). Operators may choose NORMAL with the
# setting SQLITE_SYNCHRONOUS (bot/core/config.py, whose default must be this one).
SQLITE_SYNCHRONOUS = ("full", "normal")
DEFAULT_SQLITE_SYNCHRONOUS = "full"


def create_engine(
    url: str, *, sqlite_synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS, **kwargs: Any
) -> AsyncEngine:
    """An engine on `url`; on SQLite, `sqlite_synchronous` ("full" or "normal") is the
    `PRAGMA synchronous` of its connections (ignored on PostgreSQL, which syncs every commit)."""
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine, synchronous: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the driver so that we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = "DEFERRED" if connection.get_execution_options().get("readonly") else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def redact_url(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@asynccontextmanager
async def read_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only: on SQLite a DEFERRED transaction, so it never waits for
    (or holds) the write lock."""
    async with engine.connect() as connection:
        yield await connection.execution_options(readonly=True)


@asynccontextmanager
async def read_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for reads only (see `read_connection`)."""
    async with (
        read_connection(engine) as connection,
        AsyncSession(bind=connection, expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session
