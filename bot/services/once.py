"""The once-guard of one update's handling: which update this task is handling, and marking it
handled in the same transaction as what it causes (see `updates` for the whole inbox)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from models import Official, ReceivedUpdate

MAX_ERROR = 2000


class TakenElsewhere(Exception):
    """The update was marked handled by another handling (an instance whose lease ran out while
    it still worked): this unit of work must not commit its effects a second time."""


@dataclass
class Handling:
    update_id: int
    attempt: int
    marked: bool = False  # a unit of work committed the mark
    error: str | None = None  # set by the error handler
    # Who sent the update, read in the lease's transaction so the handler need not open
    # another just to learn it (`queries.official_by_telegram`); None: a stranger.
    speaker_id: int | None = None  # the Telegram user the lookup was for
    speaker: Official | None = None


CURRENT: ContextVar[Handling | None] = ContextVar("disposisi_update", default=None)

MARK = (
    update(ReceivedUpdate)
    .where(ReceivedUpdate.update_id == bindparam("id"), ReceivedUpdate.handled_at.is_(None))
    .values(handled_at=bindparam("now"), lease_until=None)
    .execution_options(synchronize_session=False)
)


async def mark_in(session: AsyncSession, clock: Clock) -> None:
    """Called by a unit of work before it commits: mark the update being handled (if any) in
    the same transaction; TakenElsewhere if another handling already did."""
    current = CURRENT.get()
    if current is None or current.marked:
        return
    done = await session.execute(MARK, {"id": current.update_id, "now": clock.now()})
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise TakenElsewhere(f"update {current.update_id} was handled elsewhere")


def committed() -> None:
    """The unit of work that marked the update has committed."""
    current = CURRENT.get()
    if current is not None:
        current.marked = True


def failed_now(error: str) -> None:
    """The error handler saw this update's handling fail."""
    current = CURRENT.get()
    if current is not None:
        current.error = error[:MAX_ERROR]
