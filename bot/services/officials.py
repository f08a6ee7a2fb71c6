"""Officials and their roles: appointing, delegating (Plh/Plt) and revoking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.services.context import Context
from bot.services.errors import InvalidInput, NotFound
from bot.services.uow import UnitOfWork
from models import Official, RoleAssignment

ACTING_KINDS = ("plh", "plt")


async def add_official(
    ctx: Context,
    *,
    name: str,
    telegram_user_id: int | None = None,
    nip: str | None = None,
    is_admin: bool = False,
    by: int | None = None,
) -> int:
    if not name.strip():
        raise InvalidInput("an official needs a name", field="name")
    async with UnitOfWork(ctx) as uow:
        official = Official(
            name=name.strip(),
            telegram_user_id=telegram_user_id,
            nip=nip,
            is_admin=is_admin,
            created_at=uow.now,
        )
        uow.session.add(official)
        await uow.session.flush()
        uow.record(
            "official_added",
            actor_id=by,
            payload={
                "official_id": official.id,
                "name": official.name,
                "nip": nip,
                "is_admin": is_admin,
            },
        )
        await uow.commit()
        return official.id


def _known_role(ctx: Context, role: str) -> None:
    if not any(role in spec.roles for spec in ctx.sops.all()):
        raise InvalidInput(f"no SOP has a role {role!r}", field="role")


async def assign_role(
    ctx: Context,
    *,
    official_id: int,
    role: str,
    unit: str | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    by: int | None = None,
) -> int:
    _known_role(ctx, role)
    async with UnitOfWork(ctx) as uow:
        if await uow.session.get(Official, official_id) is None:
            raise NotFound("no such official", official_id=official_id)
        assignment = RoleAssignment(
            official_id=official_id,
            role=role,
            unit=unit,
            valid_from=valid_from,
            valid_until=valid_until,
            created_at=uow.now,
        )
        uow.session.add(assignment)
        await uow.session.flush()
        uow.record(
            "role_assigned",
            actor_id=by,
            payload={
                "assignment_id": assignment.id,
                "official_id": official_id,
                "role": role,
                "unit": unit,
            },
        )
        await uow.commit()
        return assignment.id


async def delegate(
    ctx: Context,
    *,
    holder_id: int,
    acting_id: int,
    role: str,
    start: datetime,
    end: datetime,
    kind: str = "plh",
    by: int | None = None,
) -> int:
    """Name an acting official (Plh/Plt) for `holder_id` in `role` from `start` until `end`."""
    if kind not in ACTING_KINDS:
        raise InvalidInput("kind must be plh or plt", field="kind")
    if end <= start:
        raise InvalidInput("a delegation must end after it starts", field="end")
    if holder_id == acting_id:
        raise InvalidInput("an official cannot act for themself", field="acting")
    _known_role(ctx, role)
    async with UnitOfWork(ctx) as uow:
        for official_id in (holder_id, acting_id):
            if await uow.session.get(Official, official_id) is None:
                raise NotFound("no such official", official_id=official_id)
        held = await uow.session.scalar(
            select(RoleAssignment.unit)
            .where(
                RoleAssignment.official_id == holder_id,
                RoleAssignment.role == role,
                RoleAssignment.acting_for_id.is_(None),
                RoleAssignment.revoked_at.is_(None),
            )
            .limit(1)
        )
        assignment = RoleAssignment(
            official_id=acting_id,
            role=role,
            unit=held,
            valid_from=start,
            valid_until=end,
            acting_for_id=holder_id,
            acting_kind=kind,
            created_at=uow.now,
        )
        uow.session.add(assignment)
        await uow.session.flush()
        uow.record(
            "delegation_created",
            actor_id=by,
            payload={
                "assignment_id": assignment.id,
                "holder_id": holder_id,
                "acting_id": acting_id,
                "role": role,
                "kind": kind,
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
        )
        await uow.commit()
        return assignment.id


async def revoke(ctx: Context, assignment_id: int, by: int | None = None) -> None:
    async with UnitOfWork(ctx) as uow:
        assignment = await uow.session.get(RoleAssignment, assignment_id)
        if assignment is None or assignment.revoked_at is not None:
            raise NotFound("no such assignment in force", assignment_id=assignment_id)
        assignment.revoked_at = uow.now
        uow.record(
            "role_revoked",
            actor_id=by,
            payload={
                "assignment_id": assignment_id,
                "official_id": assignment.official_id,
                "role": assignment.role,
            },
        )
        await uow.commit()
