"""`disposisi reminders simulate`: walk a clock over a stretch of days and show, in order, when
the office opens and closes and which reminders, escalations and digests the real sweep sends.

It runs the production code (the calendar, the SOP file, the reminder policy from the
environment, the sweep and the digest) on a throw-away SQLite database with one stand-in
official per role, so an operator can check a policy or a calendar before relying on it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.core.calendar import WorkCalendar
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.services import digest, groups, reminders
from bot.services.context import Context, build_context
from bot.services.documents import Upload
from bot.services.officials import add_official, assign_role
from bot.services.proposals import register_proposal
from bot.services.queries import reading
from bot.storage import migrate
from models import OutboxMessage, Task
from models.outbox import SEND

GROUP_CHAT = -1
UNIT = "Unit contoh"
SHOWN = ("task_nudge", "task_escalated", "digest")


@dataclass
class Walk:
    """What the walk saw: the SOP, the first step and policy, then entries in time order."""

    sop: str
    step: dict[str, Any]
    policy: dict[str, Any]
    start: str
    until: str
    entries: list[dict[str, Any]] = field(default_factory=list)


async def walk(
    settings: Settings, start: datetime, until: datetime, sop_code: str | None = None
) -> Walk:
    """Register one proposal at `start` and leave its first task untouched until `until`."""
    with tempfile.TemporaryDirectory(prefix="disposisi-simulasi-") as scratch:
        local = settings.model_copy(
            update={
                "database_url": f"sqlite+inline:///{Path(scratch) / 'simulasi.db'}",
                "archive_dir": Path(scratch) / "arsip",
            }
        )
        clock = FrozenClock(start)
        ctx = build_context(local, clock=clock)
        try:
            await migrate.upgrade(ctx.engine)
            return await _walk(ctx, clock, until, sop_code)
        finally:
            await ctx.close()


async def _walk(ctx: Context, clock: FrozenClock, until: datetime, sop_code: str | None) -> Walk:
    spec = ctx.sops.get(sop_code) if sop_code else ctx.sops.latest()[0]
    names: dict[int, str] = {GROUP_CHAT: "grup tim"}
    people: dict[str, int] = {}
    for chat, (key, role) in enumerate(spec.roles.items(), start=1):
        people[key] = await add_official(ctx, name=role.title, telegram_user_id=chat)
        unit = UNIT if key == spec.intake.origin_role else None
        await assign_role(ctx, official_id=people[key], role=key, unit=unit)
        names[chat] = role.title
    await groups.subscribe(ctx, GROUP_CHAT, "Grup tim", spec.code)
    await register_proposal(
        ctx,
        by=people[spec.intake.registrars[0]],
        sop_code=spec.code,
        title="Usulan contoh",
        origin=UNIT,
        kind=next(iter(spec.kinds), None),
        agency_unit=UNIT,
        document=Upload("usulan.pdf", "application/pdf", b"%PDF-1.4 simulasi")
        if spec.intake.document
        else None,
    )
    step = spec.first_step
    rules = reminders.policy(spec, ctx.settings)
    async with reading(ctx) as session:
        task = await session.scalar(select(Task).order_by(Task.id).limit(1))
    assert task is not None and task.target_due_at is not None
    limit_due_at = task.limit_due_at.isoformat() if task.limit_due_at else None
    result = Walk(
        sop=f"{spec.code} v{spec.version}",
        step={
            "number": step.number,
            "actors": spec.actor_titles(step),
            "standard": step.time.text,
            "default_minutes": ctx.settings.default_step_minutes,
            "target_due_at": task.target_due_at.isoformat(),  # when the first reminder is due
            "limit_due_at": limit_due_at,
        },
        policy={
            "enabled": rules.enabled,
            "repeat_minutes": rules.repeat_minutes,
            "escalate_after": rules.escalate_after,
        },
        start=clock.now().isoformat(),
        until=until.astimezone(UTC).isoformat(),
    )
    seen = 0
    calendar = ctx.calendar
    while clock.now() < until:
        now = clock.now()
        if not calendar.is_working_time(now):
            opening = min(calendar.next_working_moment(now), until)
            _closed_days(result, calendar, now, opening)
            clock.set(opening)
            continue
        if calendar.next_opening(now - timedelta(microseconds=1)) == now:
            await digest.send_daily(ctx)  # as the scheduler's OpeningTrigger would
        await reminders.sweep(ctx)
        seen = await _collect(ctx, result, names, seen)
        step_end = clock.now() + timedelta(minutes=1)
        if not calendar.is_working_time(step_end) and step_end < until:
            result.entries.append({"at": step_end.isoformat(), "kind": "closes"})
        clock.set(step_end)
    return result


def _closed_days(result: Walk, calendar: WorkCalendar, closed: datetime, opening: datetime) -> None:
    """The days the office stays shut between `closed` and `opening`, with the reason."""
    first = closed.astimezone(calendar.tz).date()
    last = opening.astimezone(calendar.tz).date()
    day = first + timedelta(days=1) if calendar.hours_on(first) else first
    if not calendar.is_working_time(opening):  # the walk ends inside the closed stretch
        last += timedelta(days=1)
    while day < last:
        if calendar.hours_on(day) is None:
            result.entries.append(
                {"at": day.isoformat(), "kind": "day_off", "reason": calendar.holiday_name(day)}
            )
        day += timedelta(days=1)
    if calendar.is_working_time(opening):
        result.entries.append({"at": opening.isoformat(), "kind": "opens"})


async def _collect(ctx: Context, result: Walk, names: dict[int, str], after: int) -> int:
    async with reading(ctx) as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.id > after,
                OutboxMessage.template.in_(SHOWN),
                OutboxMessage.kind == SEND,  # not the edits of earlier messages
            )
            .order_by(OutboxMessage.id)
        )
        for row in rows:
            after = row.id
            result.entries.append(
                {
                    "at": row.created_at.isoformat(),
                    "kind": row.template,
                    "to": names.get(row.chat_id, str(row.chat_id)),
                    "level": row.context.get("level"),
                    "reminder": row.context.get("reminder"),
                    "late_minutes": row.context.get("late_minutes"),
                }
            )
    return after
