"""Alembic environment.

`disposisi db upgrade` (and tests, and start-up) pass their own connection in
`config.attributes["connection"]`, as Alembic's cookbook shows for asyncio, so a migration can run
inside a running event loop. The `alembic` command line, for developers, opens its own.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from models import Base

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    from bot.core.config import load_settings
    from bot.storage.db import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


shared = context.config.attributes.get("connection")
if shared is not None:
    run_on(shared)
elif context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `disposisi db upgrade`")
else:
    asyncio.run(_run_with_own_engine())
