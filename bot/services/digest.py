"""The morning digest: at the opening of each working day, every subscribed group gets one
message — open proposals by step, overdue tasks by official, and what finished since the last
working day.

Once per group per day, whichever instance or restart gets there first: the outbox row's
idempotency key is the group and the date. Never on a day off, because it is sent only in
office hours; a group with nothing open and nothing finished gets nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models import GroupSubscription, Official, OutboxMessage, Proposal, Task
from models.proposals import CLOSED, OPEN

MAX_NUMBERS = 5  # proposal numbers listed per step; the rest are counted
MAX_LISTED = 10  # officials and finished proposals listed; the rest are counted (4096 chars)


def key_of(chat_id: int, day: date) -> str:
    return f"digest:{chat_id}:{day.isoformat()}"


async def send_daily(ctx: Context) -> int:
    """Queue today's digest for every subscribed group that has not had it; returns how many."""
    calendar, now = ctx.calendar, ctx.clock.now()
    if not ctx.settings.daily_digest or not calendar.is_working_time(now):
        return 0
    today = now.astimezone(calendar.tz).date()
    try:
        async with UnitOfWork(ctx) as uow:
            groups = list(
                await uow.session.scalars(
                    select(GroupSubscription).where(GroupSubscription.active.is_(True))
                )
            )
            keys = {g.chat_id: key_of(g.chat_id, today) for g in groups}
            done = set(
                await uow.session.scalars(
                    select(OutboxMessage.idempotency_key).where(
                        OutboxMessage.idempotency_key.in_(keys.values())
                    )
                )
            )
            since = calendar.previous_working_day(today)
            digests = []
            for group in groups:
                if keys[group.chat_id] in done:
                    continue
                summary = await summarise(uow, group.sop_code, since, today)
                if summary["open_total"] or summary["finished"]:
                    digests.append((group.chat_id, summary))
            if not digests:
                return 0
            uow.record(
                "digest_sent",
                payload={"day": today.isoformat(), "chats": [chat for chat, _ in digests]},
                facts={"digests": [(chat, summary, keys[chat]) for chat, summary in digests]},
            )
            await uow.commit()
            return len(digests)
    except IntegrityError:  # another instance queued today's digest first
        return 0


async def summarise(
    uow: UnitOfWork, sop_code: str | None, since: date, today: date
) -> dict[str, Any]:
    """A group's digest: `sop_code` None means every SOP; "finished" covers the days from the
    previous working day `since` up to the start of `today`."""
    calendar, now, sops = uow.ctx.calendar, uow.now, uow.ctx.sops
    acting = func.coalesce(Task.forwarded_to_id, Task.assignee_id)
    query = (
        select(Task, Proposal, Official.id, Official.name)
        .join(Proposal, Proposal.id == Task.proposal_id)
        .outerjoin(Official, Official.id == acting)
        .where(Task.completed_at.is_(None), Proposal.status == OPEN)
        .order_by(Proposal.id, Task.id)
    )
    if sop_code is not None:
        query = query.where(Proposal.sop_code == sop_code)
    steps: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    late: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    open_ids: set[int] = set()
    for task, proposal, official_id, name in (await uow.session.execute(query)).all():
        open_ids.add(proposal.id)
        numbers = steps[(proposal.sop_code, proposal.sop_version, task.step_key)]
        if proposal.number not in numbers:
            numbers.append(proposal.number)
        # Late once its due moment has passed, by 0 working minutes at the opening after a due
        # time at closing (the close of a day standard's last day: sops/README.md).
        if task.target_due_at is not None and now >= task.target_due_at:
            late[(official_id, name or "—")].append(calendar.minutes_late(task.target_due_at, now))
    by_step: list[dict[str, Any]] = []
    for (code, version, key), numbers in steps.items():
        spec = sops.get(code, version)
        step = spec.step(key)
        by_step.append(
            {
                "sop": spec.short_code or spec.code,
                "number": step.number,
                "activity": step.activity,
                "title": step.short_title,
                "count": len(numbers),
                "proposals": numbers[:MAX_NUMBERS],
            }
        )
    by_step.sort(key=lambda s: (str(s["sop"]), int(s["number"])))
    start = datetime.combine(since, time(), tzinfo=calendar.tz)
    end = datetime.combine(today, time(), tzinfo=calendar.tz)
    finished_query = (
        select(Proposal)
        .where(Proposal.status == CLOSED, Proposal.closed_at >= start, Proposal.closed_at < end)
        .order_by(Proposal.closed_at)
    )
    if sop_code is not None:
        finished_query = finished_query.where(Proposal.sop_code == sop_code)
    finished = []
    for proposal in await uow.session.scalars(finished_query):
        try:
            spec = uow.spec_of(proposal)
            outcome = spec.outcomes.get(proposal.outcome or "")
            restricted = spec.restricted(proposal.fields)
        except KeyError:  # closed, and its version's file has left SOP_DIR since
            outcome, restricted = None, True  # its class unknown: its title stays out
        finished.append(
            {
                "number": proposal.number,
                "title": proposal.title,
                "restricted": restricted,  # its title stays out of the group
                "outcome": outcome.title if outcome else proposal.outcome,
            }
        )
    return {
        "day": today.isoformat(),
        "since": since.isoformat(),
        "open_total": len(open_ids),
        "steps": by_step,
        "several_sops": len({s["sop"] for s in by_step}) > 1,
        "overdue": [
            {"name": name, "count": len(minutes), "late_minutes": max(minutes)}
            for (_, name), minutes in sorted(late.items(), key=lambda item: -max(item[1]))
        ][:MAX_LISTED],
        "overdue_more": max(0, len(late) - MAX_LISTED),
        "finished": finished[:MAX_LISTED],
        "finished_total": len(finished),
    }
