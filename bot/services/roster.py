"""Who holds a role, who acts for whom, and who may act on a task — read inside a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Official, RoleAssignment, Task


def in_force(at: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return and_(
        RoleAssignment.revoked_at.is_(None),
        or_(RoleAssignment.valid_from.is_(None), RoleAssignment.valid_from <= at),
        or_(RoleAssignment.valid_until.is_(None), RoleAssignment.valid_until > at),
    )


# The statements below run in most use cases, so they are built once and given parameters:
# building a statement like these costs about as much as running it on SQLite.
_AT: BindParameter[datetime] = bindparam("at")


def _holders(in_unit: bool) -> Select[Official]:
    query = (
        select(Official)
        .join(RoleAssignment, RoleAssignment.official_id == Official.id)
        .where(
            RoleAssignment.role == bindparam("role"),
            RoleAssignment.acting_for_id.is_(None),
            Official.active.is_(True),
            in_force(_AT),
        )
        .order_by(RoleAssignment.id)
    )
    return query.where(RoleAssignment.unit == bindparam("unit")) if in_unit else query


_HOLDERS = {in_unit: _holders(in_unit) for in_unit in (False, True)}

_DELEGATE = (
    select(Official)
    .join(RoleAssignment, RoleAssignment.official_id == Official.id)
    .where(
        RoleAssignment.acting_for_id == bindparam("holder"),
        RoleAssignment.role == bindparam("role"),
        Official.active.is_(True),
        in_force(_AT),
    )
    .order_by(RoleAssignment.id.desc())
    .limit(1)
)


def _holds(acting_counts: bool, in_unit: bool) -> Select[int]:
    query = select(RoleAssignment.id).where(
        RoleAssignment.official_id == bindparam("official"),
        RoleAssignment.role.in_(bindparam("roles", expanding=True)),
        in_force(_AT),
    )
    if not acting_counts:
        query = query.where(RoleAssignment.acting_for_id.is_(None))
    if in_unit:
        query = query.where(RoleAssignment.unit == bindparam("unit"))
    return query.limit(1)


_HOLDS = {(a, u): _holds(a, u) for a in (False, True) for u in (False, True)}


async def holders(
    session: AsyncSession, role: str, at: datetime, unit: str | None = None
) -> list[Official]:
    """Active officials holding `role` in their own right (not as acting), first appointed first."""
    found = await session.scalars(
        _HOLDERS[unit is not None], {"role": role, "at": at, "unit": unit}
    )
    return list(found.unique())


async def delegate_of(
    session: AsyncSession, holder_id: int, role: str, at: datetime
) -> Official | None:
    """The acting official (Plh/Plt) standing in for `holder_id` in `role` at `at`, if any."""
    return await session.scalar(_DELEGATE, {"holder": holder_id, "role": role, "at": at})


async def holds_any(
    session: AsyncSession,
    official_id: int,
    roles: tuple[str, ...],
    at: datetime,
    unit: str | None = None,
    *,
    acting_counts: bool = False,
) -> bool:
    """Does the official hold one of `roles` (in `unit`, if given)? Only in their own right,
    unless `acting_counts`: then a Plh/Plt delegation in force counts too."""
    query = _HOLDS[(acting_counts, unit is not None)]
    params = {"official": official_id, "roles": list(roles), "at": at, "unit": unit}
    return await session.scalar(query, params) is not None


@dataclass(frozen=True)
class Standing:
    """Why an official may act on a task, and in whose name."""

    official_id: int
    on_behalf_of_id: int | None = None  # the holder, when a delegate acts
    via: str = "assignee"  # "assignee" | "delegate" | "forwarded" | "holder" | "superior"


async def standing(
    session: AsyncSession,
    task: Task,
    official_id: int,
    at: datetime,
    oversight: tuple[str, str | None] | None = None,
) -> Standing | None:
    """May `official_id` act on `task` now? Inactive officials never may; a holder only while
    they still hold the task's role. With `oversight` — the (role, unit) the task was escalated
    to — that role's holders and their Plh stand too, as "superior": the use case decides what
    they may do."""
    own = await _own_standing(session, task, official_id, at)
    if own is not None or oversight is None:
        return own
    official = await session.get(Official, official_id)
    if official is None or not official.active:
        return None
    role, unit = oversight
    oversees = await holds_any(session, official_id, (role,), at, unit, acting_counts=True)
    return Standing(official_id, None, "superior") if oversees else None


async def _own_standing(
    session: AsyncSession, task: Task, official_id: int, at: datetime
) -> Standing | None:
    official = await session.get(Official, official_id)
    if official is None or not official.active:
        return None
    if task.assignee_id == official_id:
        still = await holds_any(session, official_id, (task.role,), at, task.unit)
        return Standing(official_id) if still else None
    if task.forwarded_to_id == official_id:
        return Standing(official_id, task.assignee_id, "forwarded")
    if task.assignee_id is not None:
        acting = await delegate_of(session, task.assignee_id, task.role, at)
        if acting is not None and acting.id == official_id:
            return Standing(official_id, task.assignee_id, "delegate")
        return None
    # Nobody held the role when the step started: a holder now (in the task's unit) takes it up.
    if any(o.id == official_id for o in await holders(session, task.role, at, task.unit)):
        return Standing(official_id, None, "holder")
    return None


async def recipient(session: AsyncSession, task: Task, at: datetime) -> Official | None:
    """Who hears of a task now: the forwardee, else the acting delegate, else the holder."""
    if task.forwarded_to_id is not None:
        return await session.get(Official, task.forwarded_to_id)
    if task.assignee_id is None:
        return None
    acting = await delegate_of(session, task.assignee_id, task.role, at)
    return acting or await session.get(Official, task.assignee_id)


async def require_admin(session: AsyncSession, by: int | None) -> None:
    """Operators at the server's console (`by` None) are trusted; anyone else must be an admin."""
    if by is None:
        return
    official = await session.get(Official, by)
    if official is None or not official.active or not official.is_admin:
        from bot.services.errors import NotPermitted

        raise NotPermitted("admins only", official_id=by)
