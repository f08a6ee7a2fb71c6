"""Scheduled work, on PTB's JobQueue (APScheduler 3): the reminder sweep every
NUDGE_SWEEP_SECONDS, and the morning digest and the scheduled compliance reports at each
opening of the office.

The scheduler only says *when to look*; what is due lives in the database (see
`services.reminders`, `services.digest` and `records.jadwal`), so a restart or a second instance
changes nothing. The reports are the records layer's, above this one: the composition root
(`bot.app`) hands their job in as `reports`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import cast

from apscheduler.triggers.base import BaseTrigger

from bot.core.calendar import WorkCalendar
from bot.runtime.types import CallbackContext, TelegramApp
from bot.services import digest, reminders, strangers
from bot.services.context import Context

log = logging.getLogger(__name__)


class OpeningTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 has no types
    """Fires at each opening of the office as the working calendar has it. A cron expression
    would know the weekdays but not the holidays, joint leave days or a day's changed hours."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # An opening at `now` itself counts; the one already fired does not.
        after = now - timedelta(microseconds=1)
        if previous_fire_time is not None and previous_fire_time > after:
            after = previous_fire_time
        return self.calendar.next_opening(after)

    def __str__(self) -> str:
        return "at each opening of the office"


# A job run at each opening that queues what is due and says how many (`records.jadwal`).
AtOpening = Callable[[Context], Awaitable[int]]


def schedule(application: TelegramApp, ctx: Context, *, reports: AtOpening | None = None) -> None:
    jobs = application.job_queue
    if jobs is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("PTB's JobQueue is missing: install python-telegram-bot[job-queue]")
    opening = {
        "trigger": OpeningTrigger(ctx.calendar),
        "misfire_grace_time": 3600,  # a busy loop must not skip a day's digest or report
        "coalesce": True,
    }
    jobs.run_repeating(
        sweep_reminders, interval=ctx.settings.nudge_sweep_seconds, first=0, name="reminders"
    )
    jobs.run_repeating(record_strangers, interval=STRANGERS_SECONDS, name="strangers")
    if ctx.settings.daily_digest:
        # A late start (a restart at 10:00) still sends the day's digest, once.
        jobs.run_once(send_digest, 0, name="digest-catch-up")
        jobs.run_custom(send_digest, job_kwargs=opening, name="digest")
    if reports is not None:
        # A bot down on the first working day sends the report at its next start, once.
        jobs.run_once(send_reports, 0, data=reports, name="reports-catch-up")
        jobs.run_custom(send_reports, job_kwargs=opening, data=reports, name="reports")


STRANGERS_SECONDS = 600


async def record_strangers(context: CallbackContext) -> None:
    """One audit event for the strangers refused since the last one, not one per message."""
    await strangers.record_turned_away(context.bot_data.ctx)


async def sweep_reminders(context: CallbackContext) -> None:
    try:
        sent = await reminders.sweep(context.bot_data.ctx)
    except Exception:  # the next tick tries again; nothing was committed
        log.exception("reminder sweep failed")
        return
    if sent:
        log.info("reminders sent for %d task(s)", sent)


async def send_digest(context: CallbackContext) -> None:
    try:
        sent = await digest.send_daily(context.bot_data.ctx)
    except Exception:
        log.exception("daily digest failed")
        return
    if sent:
        log.info("daily digest queued for %d group(s)", sent)


async def send_reports(context: CallbackContext) -> None:
    assert context.job is not None
    reports = cast(AtOpening, context.job.data)  # as `schedule` gave it
    try:
        sent = await reports(context.bot_data.ctx)
    except Exception:  # the next opening tries again; what was queued stays queued
        log.exception("scheduled reports failed")
        return
    if sent:
        log.info("scheduled report queued for %d official(s)", sent)
