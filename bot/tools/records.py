"""`disposisi db upgrade`, `audit verify` and `inbox`: what the bot stored, looked after by the
operator (the schema, the audit trail's hash chain, the updates set aside)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.core.config import load_settings
from bot.core.texts import text
from bot.tools.database import ready

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.storage import audit


def db_upgrade(_args: argparse.Namespace) -> int:
    from bot.storage.db import redact_url
    from bot.storage.migrate import upgrade

    settings = load_settings()

    async def run() -> tuple[str | None, str | None]:
        async with _database(settings.database_url) as engine:
            return await upgrade(engine)

    before, after = asyncio.run(run())
    where = redact_url(settings.database_url)
    if before == after:
        print(text("cli", "db_up_to_date", database=where, revision=after))
    else:
        before = before or text("cli", "db_empty")
        print(text("cli", "db_migrated", database=where, before=before, after=after))
    return 0


def audit_verify(_args: argparse.Namespace) -> int:
    from bot.storage import audit
    from bot.storage.db import read_session

    settings = load_settings()

    async def run() -> audit.Verification:
        async with _database(settings.database_url) as engine:
            await ready(engine)
            async with read_session(engine) as session:
                return await audit.verify(session)

    result = asyncio.run(run())
    if not result.ok:
        print(text("cli", "audit_broken", problem=_break(result)), file=sys.stderr)
        return 1
    print(text("cli", "audit_intact", checked=result.checked, last_hash=result.last_hash))
    return 0


def _break(result: audit.Verification) -> str:
    """The chain's first break, in the operator's words."""
    key = f"audit_{result.problem}"
    if result.problem == "newest_removed" and result.event_id == result.head_id:
        key = "audit_newest_removed_one"
    event, checked = result.event_id or 0, result.checked
    return text("cli", key, event=event, next=event + 1, head=result.head_id, checked=checked)


@asynccontextmanager
async def _database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine for one command, closed when it is done (these need no full context)."""
    from bot.storage.db import create_engine

    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


def inbox(_args: argparse.Namespace) -> int:
    """The updates the bot gave up on (`services.updates`): for the admins to look into."""
    from bot.core.render import Renderer
    from bot.services import updates
    from bot.services.context import build_context

    settings = load_settings()

    async def run() -> list[updates.SetAside]:
        ctx = build_context(settings)
        try:
            await ready(ctx.engine)
            return await updates.set_aside_list(ctx)
        finally:
            await ctx.close()

    found = asyncio.run(run())
    print(Renderer(settings.zone, html=False).render("inbox_set_aside", {"updates": found}))
    return 0
