"""Officials and their roles: appointing, delegating (Plh/Plt) and revoking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.services import handover, progress, queries, roster
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
        await roster.require_admin(uow.session, by)
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
    roster.known_role(ctx.sops, role)
    async with UnitOfWork(ctx) as uow:
        await roster.require_admin(uow.session, by)
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
        if assignment.in_force(uow.now):
            await progress.take_up_unassigned(uow, official_id, role, unit)
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
    acting = Acting(holder_id, acting_id, start, end, kind, by)
    acting.check(ctx, role)
    async with UnitOfWork(ctx) as uow:
        assignment_id = await acting.record(uow, role)
        await uow.commit()
        return assignment_id


@dataclass(frozen=True)
class Delegated:
    holder: str
    acting: str
    roles: tuple[str, ...]
    end: datetime
    assignment_ids: tuple[int, ...]


async def delegate_for_days(
    ctx: Context, *, holder_id: int, acting_id: int, days: int, by: int
) -> Delegated:
    """Name `acting_id` Plh for every role `holder_id` holds, from now until 23:59 (office time)
    on the `days`-th day. One transaction: a refusal on any role leaves none delegated."""
    now = ctx.clock.now()
    last_day = now.astimezone(ctx.settings.zone).date() + timedelta(days=days - 1)
    end = datetime.combine(last_day, time(23, 59), ctx.settings.zone)
    people = {p.id: p for p in await queries.officials(ctx)}
    if holder_id not in people or acting_id not in people:
        raise InvalidInput("no such official")
    roles = people[holder_id].roles
    acting = Acting(holder_id, acting_id, now, end, "plh", by)
    async with UnitOfWork(ctx) as uow:
        ids = []
        for role in roles:
            acting.check(ctx, role)
            ids.append(await acting.record(uow, role))
        await uow.commit()
    return Delegated(people[holder_id].name, people[acting_id].name, roles, end, tuple(ids))


@dataclass(frozen=True)
class Acting:
    """One delegation asked for, to be checked and recorded for each role it covers."""

    holder_id: int
    acting_id: int
    start: datetime
    end: datetime
    kind: str
    by: int | None

    def check(self, ctx: Context, role: str) -> None:
        """What can be refused before the database is asked."""
        if self.kind not in ACTING_KINDS:
            raise InvalidInput("kind must be plh or plt", field="kind")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("a delegation needs timezone-aware times", field="start")
        if self.end <= self.start:
            raise InvalidInput("a delegation must end after it starts", field="end")
        if self.holder_id == self.acting_id:
            raise InvalidInput("an official cannot act for themself", field="acting")
        roster.known_role(ctx.sops, role)

    async def record(self, uow: UnitOfWork, role: str) -> int:
        holder_id, start, end = self.holder_id, self.start, self.end
        if self.by != holder_id:  # officials name their own stand-in; admins anyone's
            await roster.require_admin(uow.session, self.by)
        for official_id in (holder_id, self.acting_id):
            found = await uow.session.get(Official, official_id)
            if found is None or not found.active:
                raise NotFound("no such official", official_id=official_id)
        held = await uow.session.scalar(
            select(RoleAssignment)
            .where(
                RoleAssignment.official_id == holder_id,
                RoleAssignment.role == role,
                RoleAssignment.acting_for_id.is_(None),
                roster.in_force(start),
            )
            .limit(1)
        )
        if held is None:
            raise InvalidInput("the holder does not hold that role then", field="role")
        overlapping = await uow.session.scalar(
            select(RoleAssignment.id)
            .where(
                RoleAssignment.acting_for_id == holder_id,
                RoleAssignment.role == role,
                RoleAssignment.revoked_at.is_(None),
                RoleAssignment.valid_from < end,
                RoleAssignment.valid_until > start,
            )
            .limit(1)
        )
        if overlapping is not None:  # one stand-in at a time, so the list and the gate agree
            raise InvalidInput("another delegation covers that period", field="start")
        assignment = RoleAssignment(
            official_id=self.acting_id,
            role=role,
            unit=held.unit,
            valid_from=start,
            valid_until=end,
            acting_for_id=holder_id,
            acting_kind=self.kind,
            created_at=uow.now,
        )
        uow.session.add(assignment)
        await uow.session.flush()
        uow.record(
            "delegation_created",
            actor_id=self.by,
            payload={
                "assignment_id": assignment.id,
                "holder_id": holder_id,
                "acting_id": self.acting_id,
                "role": role,
                "kind": self.kind,
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
        )
        return assignment.id


async def revoke(ctx: Context, assignment_id: int, by: int | None = None) -> None:
    """End one role (or one delegation): the holder's open tasks in it and the stand-ins they
    named for it are handed over in the same transaction."""
    async with UnitOfWork(ctx) as uow:
        await roster.require_admin(uow.session, by)
        assignment = await uow.session.get(RoleAssignment, assignment_id)
        if assignment is None or assignment.revoked_at is not None:
            raise NotFound("no such assignment in force", assignment_id=assignment_id)
        assignment.revoked_at = uow.now
        event = uow.record(
            "role_revoked",
            actor_id=by,
            payload={
                "assignment_id": assignment_id,
                "official_id": assignment.official_id,
                "role": assignment.role,
                "acting_for_id": assignment.acting_for_id,
            },
        )
        if assignment.acting_for_id is None:
            await handover.end_delegations(uow, assignment.official_id, event, assignment.role)
            await handover.leave(
                uow, assignment.official_id, event, role=assignment.role, unit=assignment.unit
            )
        await uow.commit()


async def deactivate(ctx: Context, official_id: int, by: int | None = None) -> None:
    """Remove an official: roles, delegations and admin rights end, their open tasks go to
    the roles' other holders; their record stays. A later invitation brings back only what
    it grants."""
    async with UnitOfWork(ctx) as uow:
        await roster.require_admin(uow.session, by)
        official = await uow.session.get(Official, official_id)
        if official is None or not official.active:
            raise NotFound("no such official", official_id=official_id)
        was_admin = official.is_admin
        official.active, official.is_admin = False, False
        assignments = await uow.session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.official_id == official_id, RoleAssignment.revoked_at.is_(None)
            )
        )
        for assignment in assignments:
            assignment.revoked_at = uow.now
        event = uow.record(
            "official_deactivated",
            actor_id=by,
            payload={"official_id": official_id, "admin_rights_ended": was_admin},
        )
        await handover.end_delegations(uow, official_id, event)
        await uow.session.flush()
        await handover.leave(uow, official_id, event)
        await uow.commit()
