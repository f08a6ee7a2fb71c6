"""SQLite for asyncio without a thread: statements run on the event loop's own thread.

Why not aiosqlite: it runs every cursor operation on a worker thread, and SQLAlchemy's adapter
makes about four per statement (cursor, execute, fetchall, close). An approval is about thirty
statements, so it paid some two hundred hand-offs between the loop and that thread — a queue
put, a `call_soon_threadsafe` and an epoll wake-up each — which cost more than SQLite itself
(bench/RESULTS.md). A SQLite statement on a local file takes microseconds to a millisecond, and
the one thing that can make it wait long, another writer, is handled here instead:

- Writers in this process queue on an asyncio lock, taken when a transaction says `BEGIN
  IMMEDIATE` (see bot/storage/db.py) and given back at its commit, rollback or close. Only one
  writer at a time can hold SQLite's lock anyway, so the queue costs no concurrency, and a
  writer never blocks the loop while another coroutine holds the database.
- Readers (`BEGIN DEFERRED`, WAL) never wait for a writer.
- Another process's writer (a CLI command beside the running bot, a second bot) is waited for
  without blocking the loop: SQLite's own busy timeout is kept short (`BUSY_TIMEOUT_MS`), and
  a `BEGIN IMMEDIATE` that finds the file locked sleeps, as a coroutine, and tries again, up to
  `WAIT_SECONDS`. The rest of the bot goes on answering meanwhile.

The dialect is SQLAlchemy's aiosqlite dialect with this module as its DBAPI, registered under
the URL `sqlite+inline://`.
"""

from __future__ import annotations

import asyncio
import collections
import os
import sqlite3
import time
import weakref
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.util import await_only

# One write queue per database file per event loop (an asyncio.Lock belongs to one loop, and
# tests run many loops; two engines on one file in one loop must share the queue).
_write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


WAIT_SECONDS = 30  # for the write lock, this process's queue or another process's writer
BUSY_TIMEOUT_MS = 20  # SQLite's own wait, on the loop's thread: kept short (see above)


def _write_lock(database: str) -> asyncio.Lock:
    per_loop = _write_locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(database, asyncio.Lock())


def _takes_write_lock(operation: str) -> bool:
    head = operation.lstrip()[:16].upper()
    return head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"))


class Cursor:
    """A DBAPI cursor over sqlite3's, on the loop's thread."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection.sqlite.cursor()
        self._rows: collections.deque[Any] = collections.deque()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    @property
    def lastrowid(self) -> int | None:
        rowid = self._cursor.lastrowid
        return None if rowid is None else int(rowid)

    @property
    def arraysize(self) -> int:
        return int(self._cursor.arraysize)

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> Cursor:
        # Always one await: SQLAlchemy's AsyncConnection insists that a statement awaited
        # something (a greenlet switch, not a trip through the loop unless the lock is busy).
        took_lock = await_only(self._connection.before(operation))
        try:
            if took_lock:
                self._begin(operation, parameters or ())
            else:
                self._cursor.execute(operation, parameters or ())
        except BaseException:
            if took_lock:  # the BEGIN failed: no transaction holds the lock
                self._connection.give_write_lock()
            raise
        self._read_rows()
        return self

    def _begin(self, operation: str, parameters: Sequence[Any]) -> None:
        """BEGIN IMMEDIATE, waiting for another process's writer by sleeping between tries."""
        deadline = time.monotonic() + WAIT_SECONDS
        pause = 0.005
        while True:
            try:
                self._cursor.execute(operation, parameters)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            await_only(asyncio.sleep(pause))
            pause = min(pause * 2, 0.25)

    def _read_rows(self) -> None:
        # Read the rows now, as SQLAlchemy's asyncio adapters do: a result may be read after
        # its transaction ended, and no SQLite statement is left open across a commit.
        self._rows = collections.deque(self._cursor.fetchall() if self._cursor.description else ())

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> Cursor:
        await_only(self._connection.before(operation))
        self._cursor.executemany(operation, seq_of_parameters)
        self._rows.clear()
        return self

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size if size is not None else self._cursor.arraysize
        return [self._rows.popleft() for _ in range(min(size, len(self._rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def setinputsizes(self, *sizes: Any) -> None:
        pass

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's asyncio results; the rows are already read."""

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()

    def __iter__(self) -> Any:
        while self._rows:
            yield self._rows.popleft()


class StreamingCursor(Cursor):
    """For `stream()` (e.g. `audit verify` over millions of events): rows are read from SQLite
    as they are fetched, not all at once. Used only in read transactions."""

    def _read_rows(self) -> None:
        pass

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Any:
        return iter(self._cursor)


class Connection(AdaptedConnection):
    """A DBAPI connection over sqlite3's that queues its write transactions on the loop."""

    __slots__ = ("_database", "_holds_lock", "_lock", "_sqlite", "dbapi")

    def __init__(self, dbapi: InlineDBAPI, connection: sqlite3.Connection, database: str) -> None:
        self.dbapi = dbapi
        self._sqlite = connection
        self._connection = cast(Any, connection)  # what SQLAlchemy calls the driver connection
        self._database = database
        self._lock: asyncio.Lock | None = None
        self._holds_lock = False

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._sqlite

    async def before(self, operation: str) -> bool:
        """Queue for the write lock if `operation` begins a write; True if it was taken now."""
        if self._holds_lock or not _takes_write_lock(operation):
            return False
        lock = _write_lock(self._database)
        try:  # suspends this coroutine only, never the loop
            async with asyncio.timeout(WAIT_SECONDS):
                await lock.acquire()
        except TimeoutError:  # as SQLite itself says when its busy timeout runs out
            raise sqlite3.OperationalError("database is locked") from None
        self._lock, self._holds_lock = lock, True
        return True

    def give_write_lock(self) -> None:
        if self._holds_lock and self._lock is not None:
            self._holds_lock = False
            self._lock.release()

    @property
    def isolation_level(self) -> str | None:
        level = self._sqlite.isolation_level
        return None if level is None else str(level)

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._sqlite.isolation_level = value  # type: ignore[assignment]  # str, not Literal

    def cursor(self, server_side: bool = False) -> Cursor:
        return StreamingCursor(self) if server_side else Cursor(self)

    def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return self.cursor().execute(operation, parameters)

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._sqlite.create_function(*args, **kwargs)

    def commit(self) -> None:
        self._sqlite.commit()  # if it fails the transaction is still open: rollback releases
        self.give_write_lock()

    def rollback(self) -> None:
        try:
            self._sqlite.rollback()
        finally:
            self.give_write_lock()

    def close(self) -> None:
        try:
            self._sqlite.close()
        finally:
            self.give_write_lock()

    def terminate(self) -> None:
        self.close()


class InlineDBAPI:
    """The DBAPI module SQLAlchemy sees: sqlite3's names, and a `connect` that wraps."""

    paramstyle = "qmark"
    has_stop = True  # lets the pool terminate (close) a connection it finds abandoned
    sqlite = sqlite3

    def __getattr__(self, name: str) -> Any:
        return getattr(sqlite3, name)

    def connect(self, database: str, *args: Any, **kwargs: Any) -> Connection:
        kwargs.pop("async_creator_fn", None)
        kwargs["check_same_thread"] = False  # the pool may close it from a garbage collector
        connection = sqlite3.connect(database, *args, **kwargs)
        key = (
            database
            if kwargs.get("uri") or database in ("", ":memory:")
            else os.path.realpath(database)  # one lock per file, whatever the path to it
        )
        return Connection(self, connection, key)


class SQLiteDialect_inline(SQLiteDialect_aiosqlite):
    driver = "inline"
    supports_statement_cache = True
    supports_server_side_cursors = True
    # A connection abandoned with its transaction open (its task destroyed) is closed by the
    # pool's terminate, and so gives back the write lock; without it the lock stays taken.
    has_terminate = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return InlineDBAPI()

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return sqlite3.sqlite_version_info

    def get_driver_connection(self, connection: Any) -> Any:
        return connection.sqlite


registry.register("sqlite.inline", __name__, "SQLiteDialect_inline")
dialect = SQLiteDialect_inline
