"""What every use case needs, built once at start: storage, SOPs, the calendar and a clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.calendar import (
    OfficeHours,
    OverrideConflict,
    OverridesFileError,
    UnknownHolidayRegion,
    WorkCalendar,
    load_overrides,
)
from bot.core.clock import Clock, SystemClock
from bot.core.config import ConfigError, Settings
from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import SopSpec
from bot.core.strangers import StrangerReplies
from bot.core.texts import text
from bot.storage.archive import Archive
from bot.storage.db import create_engine, session_factory
from models import Proposal


@dataclass
class Context:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sops: SopRegistry
    calendar: WorkCalendar
    clock: Clock
    archive: Archive
    # Set when a commit queued messages, so the sender wakes at once instead of polling.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Strangers refused since the count was last recorded (`jobs.record_strangers`).
    strangers_refused: int = 0
    # Which strangers were answered lately: a flood is counted, not answered message by message.
    strangers_told: StrangerReplies = field(default_factory=StrangerReplies)

    def spec_of(self, proposal: Proposal) -> SopSpec:
        """The SOP a proposal runs under: the version it was registered with."""
        return self.sops.get(proposal.sop_code, proposal.sop_version)

    async def close(self) -> None:
        await self.engine.dispose()


def build_calendar(settings: Settings) -> WorkCalendar:
    """The working calendar; a broken overrides file or an unknown holiday region is a
    ConfigError naming the variable (and the file and line), not a traceback."""
    try:
        overrides = (
            load_overrides(settings.calendar_overrides) if settings.calendar_overrides else []
        )
    except OverridesFileError as exc:
        raise ConfigError.of([("CALENDAR_OVERRIDES", str(exc))]) from None
    try:
        return WorkCalendar(
            settings.zone,
            OfficeHours.parse(settings.office_hours),
            country=settings.holiday_country,
            subdivision=settings.holiday_subdivision,
            overrides=overrides,
        )
    except UnknownHolidayRegion as exc:
        if exc.subdivision:
            why = text("config", "unknown_holiday_subdivision", country=settings.holiday_country)
            raise ConfigError.of([("HOLIDAY_SUBDIVISION", why)]) from None
        why = text("config", "unknown_holiday_country")
        raise ConfigError.of([("HOLIDAY_COUNTRY", why)]) from None
    except OverrideConflict as exc:
        where = settings.calendar_overrides
        raise ConfigError.of([("CALENDAR_OVERRIDES", f"{where}: {exc}")]) from None


def build_context(
    settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> Context:
    engine = engine or create_engine(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    sops = SopRegistry(settings.sop_dir)
    return Context(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        sops=sops,
        calendar=build_calendar(settings),
        clock=clock or SystemClock(),
        archive=Archive(settings.archive_dir),
    )
