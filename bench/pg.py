"""A scratch PostgreSQL database for one scenario: created on the given server, dropped after."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url

from bot.core.config import normalize_database_url
from bot.storage.db import create_engine


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    url = make_url(normalize_database_url(server_url))
    name = f"disposisi_bench_{os.getpid()}"
    admin = create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()
