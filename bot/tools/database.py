"""The database a reading command needs (rekap, laporan, lembar, audit cek and verify, inbox):
there, and set up by `disposisi db upgrade`. Without this check an SQLite file that does not
exist is created, empty, by the first connection, and the command fails on "no such table"."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine


class NotSetUp(Exception):
    """DATABASE_URL names no database this bot set up. `missing`: an SQLite file that is not
    there (`where` is its path); else a database without the schema, or (`behind`) with an
    older one. Told by bot/tools/failures.py."""

    def __init__(self, where: str, *, missing: bool = False, behind: bool = False) -> None:
        super().__init__(where)
        self.where, self.missing, self.behind = where, missing, behind


async def ready(engine: AsyncEngine) -> None:
    """Raise NotSetUp unless the engine's database is there with this version's schema.
    To be called before anything else connects: on SQLite, that would create the file."""
    from bot.storage.db import read_connection
    from bot.storage.migrate import current_revision

    url = engine.url
    missing = _missing_file(url)
    if missing is not None:
        raise NotSetUp(missing, missing=True)
    async with read_connection(engine) as connection:
        revision = await connection.run_sync(current_revision)
    if revision is None or _behind(revision):
        # As the operator wrote it (sqlite://, postgresql://), without its password.
        shown = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
        raise NotSetUp(shown, behind=revision is not None)


def _missing_file(url: URL) -> str | None:
    """The file an SQLite URL names, if it is not there (a database in memory is no file)."""
    file = url.database or ""
    if url.get_backend_name() != "sqlite" or file in ("", ":memory:") or "uri" in url.query:
        return None
    return None if Path(file).is_file() else file


def _behind(revision: str) -> bool:
    """An older revision of ours. One this code does not know is let through: a newer
    release migrated the database, and an older one is reading it at the console."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from bot.storage.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(revision)
    except CommandError:
        return False
    return revision != script.get_current_head()
