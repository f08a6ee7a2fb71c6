"""The disposition in force on a case, as the steps after it read it: whose tasks it seats.

Apart from `dispositions` (giving and recalling one), which moves the case on through
`progress`, so that `progress` and the messages can read it without importing that."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.sop.spec import Step
from bot.services.uow import UnitOfWork
from models import Disposition, Proposal


async def latest(uow: UnitOfWork, proposal_id: int, step_key: str) -> list[Disposition]:
    """The rows of the disposition in force at `step_key`: the newest, unless recalled."""
    given = await uow.session.scalar(
        select(func.max(Disposition.given_task_id)).where(
            Disposition.proposal_id == proposal_id, Disposition.step_key == step_key
        )
    )
    if given is None:
        return []
    rows = await uow.session.scalars(
        select(Disposition)
        .where(Disposition.given_task_id == given, Disposition.recalled_at.is_(None))
        .order_by(Disposition.id)
    )
    return list(rows)


async def seats(uow: UnitOfWork, proposal: Proposal, step: Step) -> list[tuple[str, int, int]]:
    """(role, official, seat) of each task a step acted on by a disposition's recipients
    starts: one per recipient asked to act, seated on their row."""
    assert step.actor_from is not None
    rows = await latest(uow, proposal.id, step.actor_from)
    return [(r.role, r.official_id, r.id) for r in rows if not r.informs]
