"""The SQLite driver that runs statements on the loop (bot/storage/sqlite_inline.py): writers in one
process queue without blocking the loop, and every way a transaction ends lets the next one in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine, read_connection


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite:///{tmp_path / 'antre.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE catatan (id INTEGER PRIMARY KEY, isi TEXT)"))
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def test_a_second_writer_waits_in_the_loop_not_in_sqlite(engine: AsyncEngine) -> None:
    order: list[str] = []
    first_holds = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO catatan (isi) VALUES ('pertama')"))
            first_holds.set()
            await release_first.wait()  # holds the write lock across an await
            order.append("first commits")

    async def second() -> None:
        await first_holds.wait()
        async with engine.begin() as connection:
            order.append("second begins")
            await connection.execute(text("INSERT INTO catatan (isi) VALUES ('kedua')"))

    async def meanwhile() -> None:
        await first_holds.wait()
        await asyncio.sleep(0.05)  # the loop is free while the second writer waits
        order.append("loop ran")
        async with read_connection(engine) as connection:  # readers do not wait (WAL)
            rows = (await connection.execute(text("SELECT count(*) FROM catatan"))).scalar()
        order.append(f"read {rows}")
        release_first.set()

    async with asyncio.timeout(10):
        await asyncio.gather(first(), second(), meanwhile())
    assert order == ["loop ran", "read 0", "first commits", "second begins"]


async def test_a_rolled_back_or_failed_transaction_lets_the_next_writer_in(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO catatan (isi) VALUES ('batal')"))
            raise RuntimeError("the use case failed")
    with pytest.raises(Exception, match="no such table"):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO tidak_ada VALUES (1)"))
    async with asyncio.timeout(5), engine.begin() as connection:  # not stuck behind either
        await connection.execute(
            text("INSERT INTO catatan (isi) VALUES (:isi)"), [{"isi": "a"}, {"isi": "b"}]
        )
    async with read_connection(engine) as connection:
        rows = (await connection.execute(text("SELECT isi FROM catatan ORDER BY id"))).all()
    assert [r.isi for r in rows] == ["a", "b"]


async def test_results_outlive_their_transaction(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO catatan (isi) VALUES (:isi)"), [{"isi": str(n)} for n in range(50)]
        )
        result = await connection.execute(text("SELECT isi FROM catatan ORDER BY id"))
    assert [r.isi for r in result] == [str(n) for n in range(50)]


async def test_a_writer_that_waits_too_long_hears_the_database_is_locked(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that needs a second write transaction (a bug) fails as SQLite would, instead
    of waiting for itself forever."""
    from sqlalchemy.exc import OperationalError

    from bot.storage import sqlite_inline

    monkeypatch.setattr(sqlite_inline, "WAIT_SECONDS", 0.05)
    async with engine.begin() as first:
        await first.execute(text("INSERT INTO catatan (isi) VALUES ('pertama')"))
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as second:
                await second.execute(text("INSERT INTO catatan (isi) VALUES ('kedua')"))
    async with engine.begin() as third:  # the failed wait took nothing
        await third.execute(text("INSERT INTO catatan (isi) VALUES ('ketiga')"))


@pytest.mark.filterwarnings("ignore:The garbage collector is trying to clean up")
async def test_an_abandoned_write_transaction_gives_the_lock_back(engine: AsyncEngine) -> None:
    """A connection dropped mid-transaction (its task destroyed) is closed by the pool when it
    is collected, and with it goes the write lock."""
    import gc

    connection = await engine.connect()
    await connection.begin()
    await connection.execute(text("INSERT INTO catatan (isi) VALUES ('ditinggal')"))
    del connection
    gc.collect()
    async with asyncio.timeout(5), engine.begin() as next_writer:
        await next_writer.execute(text("INSERT INTO catatan (isi) VALUES ('berikut')"))
    async with read_connection(engine) as reader:
        rows = (await reader.execute(text("SELECT isi FROM catatan"))).all()
    assert [r.isi for r in rows] == ["berikut"]


async def test_another_process_holding_the_write_lock_does_not_freeze_the_loop(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """A writer outside this process (a CLI command, a stuck script) holds BEGIN IMMEDIATE
    until it sees that our reader got its answer. Our own writer must wait for it as a
    coroutine: were it to wait on the loop's thread, the reader could not finish, and the
    holder would let go only at its own timeout — after our writer, not before."""
    import sqlite3
    import threading

    database = engine.url.database
    assert database is not None
    holding, reader_done = threading.Event(), threading.Event()
    finished: list[str] = []

    def hold() -> None:
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO catatan (isi) VALUES ('luar')")
        holding.set()
        reader_done.wait(timeout=10)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    await asyncio.to_thread(holding.wait, 10)

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO catatan (isi) VALUES ('kami')"))
        finished.append("writer")

    async def read() -> None:
        await asyncio.sleep(0.05)  # the writer is waiting by now
        async with read_connection(engine) as reader:
            await reader.execute(text("SELECT count(*) FROM catatan"))
        finished.append("reader")
        reader_done.set()

    await asyncio.gather(write(), read())
    await asyncio.to_thread(holder.join)
    assert finished == ["reader", "writer"]
    async with read_connection(engine) as reader:
        rows = (await reader.execute(text("SELECT isi FROM catatan ORDER BY id"))).all()
    assert [r.isi for r in rows] == ["luar", "kami"]
