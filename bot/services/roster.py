"""Who holds a role and who acts for whom — read inside a transaction. Who may act on a task
is `access`'s rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import SopSpec
from bot.services import access
from bot.services.access import Standing, held_per_unit, in_force, unit_for
from models import Disposition, Official, RoleAssignment, Task

__all__ = ["Standing", "held_per_unit", "in_force", "unit_for"]


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


def known_role(sops: SopRegistry, role: str, *, admin: bool = False) -> None:
    """Refuse a role no SOP in force has, naming the roles there are (`admin`: and that "admin"
    may be named too, as an invitation may)."""
    specs = sops.all()
    if any(role in spec.roles for spec in specs):
        return
    keys = dict.fromkeys(key for spec in sops.latest() for key in spec.roles)
    roles = [{"key": key, "title": sops.role_title(key)} for key in keys]
    from bot.services.errors import UnknownRole

    raise UnknownRole(
        f"no SOP has a role {role!r}", field="role", role=role, roles=roles, admin=admin
    )


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


async def recipient(session: AsyncSession, task: Task, at: datetime) -> Official | None:
    """Who hears of a task now, among those `access` lets act: the forwardee, else the
    assignee's Plh in force, else the assignee — while they hold the role; else its first
    holder now. None: nobody may act (the admins are told instead)."""
    if task.forwarded_to_id is not None:
        forwardee = await session.get(Official, task.forwarded_to_id)
        if forwardee is not None and forwardee.active:
            return forwardee
    if task.assignee_id is not None and await access.seated(session, task, at):
        acting = await delegate_of(session, task.assignee_id, task.role, at)
        return acting or await session.get(Official, task.assignee_id)
    found = await holders(session, task.role, at, task.unit)
    return found[0] if found else None


async def require_admin(session: AsyncSession, by: int | None) -> None:
    """Operators at the server's console (`by` None) are trusted; anyone else must be an admin."""
    if by is None:
        return
    official = await session.get(Official, by)
    if official is None or not official.active or not official.is_admin:
        from bot.services.errors import NotPermitted

        raise NotPermitted("admins only", official_id=by)


async def superiors(
    session: AsyncSession, task: Task, spec: SopSpec, at: datetime
) -> list[Official]:
    """The holders of the task's role's superior, or their Plh in force, each once; in the
    task's agency when the superior is the SOP's origin role (held per agency). A task a
    disposition gave answers to whoever gave it (or their Plh), while they are active: not to
    every holder of the role above, who may have nothing to do with the letter."""
    if task.seat:
        giver = await _giver(session, task.seat, at)
        if giver is not None:
            return [giver]
    superior = spec.roles[task.role].superior
    if superior is None:
        return []
    unit = unit_for(spec, superior, task.unit)
    told: list[Official] = []
    for holder in await holders(session, superior, at, unit):
        acting = await delegate_of(session, holder.id, superior, at)
        told.append(acting or holder)
    return list(dict.fromkeys(told))


async def _giver(session: AsyncSession, seat: int, at: datetime) -> Official | None:
    """Who gave the disposition row `seat`, or their Plh in the role they gave it in."""
    row = await session.get(Disposition, seat)
    giver = await session.get(Official, row.given_by_id) if row else None
    if row is None or giver is None or not giver.active:
        return None
    given = await session.get(Task, row.given_task_id)
    acting = await delegate_of(session, giver.id, given.role, at) if given else None
    return acting or giver
