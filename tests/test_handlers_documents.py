"""A stored document sent again (the 📄 button): by Telegram's file id, or from the archive when
Telegram no longer knows the id — only that failure falls back, and it is logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.core.config import Settings
from bot.services.uow import UnitOfWork
from models import Document
from tests.bot_world import World, intake, office_world


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def test_a_stale_file_id_falls_back_to_the_archive(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    number = await intake(world)
    async with UnitOfWork(world.ctx) as uow:  # as after Telegram forgot the file
        await uow.session.execute(update(Document).values(telegram_file_id="forgotten-file-id"))
        await uow.commit()
    with caplog.at_level(logging.INFO, logger="handlers.tasks"):
        sent = await world.download("karo", await world.task("karo", number), "kak.pdf")
    assert sent["document"]["file_name"] == "kak.pdf"
    assert any("from the archive" in r.getMessage() for r in caplog.records)
