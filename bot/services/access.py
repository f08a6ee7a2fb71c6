"""Who may act on a task, and who may see a case: one rule each, written once, here.

**Act.** An active official may act on an open task when they are
- the colleague it was forwarded to (`forwarded`);
- its assignee, while they still hold its role, in its unit (`assignee`);
- the Plh/Plt in force of that seated assignee, in that role (`delegate`);
- a holder of its role, in its unit, when the assignee no longer holds it or there is none —
  so a task never waits for someone who has left (`holder`).
The rule is one SQL expression (`ACT_CLAUSES`): the gate of every use case asks it for one task,
`/tugas` for every open task, visibility and the random walk in the tests reuse it, so the list
and the gate cannot disagree. Who is *told* of a task (`roster.recipient`) is chosen among them.

**See.** An active official sees a case (its card, history, documents, search hits) when they
are an admin; its registrar; a holder (or Plh) of the SOP's origin role in the case's agency;
a holder (or Plh) of a role the SOP marks `oversees`; someone who holds or held a task on it (as
assignee, forwardee or the one who completed it), the Plh of such an assignee, or someone who
may act on one of its open tasks now; someone a disposition on it (not recalled) went to, to act
or to know; or the holder of the superior role a task of it was escalated to. In a group chat
the answer is read by the whole group, so a case must also be of an SOP the group is subscribed
to. Everyone else gets the usual polite refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    case,
    exists,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import SopSpec
from models import Disposition, GroupSubscription, Official, Proposal, RoleAssignment, Task

ME: BindParameter[int] = bindparam("me")
AT: BindParameter[datetime] = bindparam("at")


def in_force(
    at: datetime | BindParameter[datetime], seat: Any = RoleAssignment
) -> ColumnElement[bool]:
    """The assignment (or delegation) `seat` is in force at `at`."""
    return and_(
        seat.revoked_at.is_(None),
        or_(seat.valid_from.is_(None), seat.valid_from <= at),
        or_(seat.valid_until.is_(None), seat.valid_until > at),
    )


def _holds_role_of_task(official: Any) -> ColumnElement[bool]:
    """`official` holds the task's role in their own right, in the task's unit, now."""
    seat = aliased(RoleAssignment)
    person = aliased(Official)
    return and_(
        exists().where(
            seat.official_id == official,
            seat.role == Task.role,
            seat.acting_for_id.is_(None),
            or_(Task.unit.is_(None), seat.unit == Task.unit),
            in_force(AT, seat),
        ),
        exists().where(person.id == official, person.active.is_(True)),
    )


def _acts_for_assignee() -> ColumnElement[bool]:
    seat = aliased(RoleAssignment)
    return exists().where(
        seat.official_id == ME,
        seat.acting_for_id == Task.assignee_id,
        seat.role == Task.role,
        in_force(AT, seat),
    )


def held_per_unit(spec: SopSpec, role: str) -> bool:
    """Is `role` held per agency? The SOP's origin role is (each regional agency has its own);
    every other role is held once for the whole office."""
    return role == spec.intake.origin_role


def unit_for(spec: SopSpec, role: str, unit: str | None) -> str | None:
    """The unit `role` is held in for a case of agency `unit`: that agency for the origin
    role, none (the whole office) for any other."""
    return unit if held_per_unit(spec, role) else None


SEATED = _holds_role_of_task(Task.assignee_id)

# (why, condition on Task) in the order they are asked: the first that holds names the standing.
ACT_CLAUSES: tuple[tuple[str, ColumnElement[bool]], ...] = (
    ("assignee", and_(Task.assignee_id == ME, SEATED)),
    ("forwarded", Task.forwarded_to_id == ME),
    ("delegate", and_(Task.assignee_id.is_not(None), SEATED, _acts_for_assignee())),
    ("holder", and_(or_(Task.assignee_id.is_(None), not_(SEATED)), _holds_role_of_task(ME))),
)
_ME_ACTIVE = exists().where(Official.id == ME, Official.active.is_(True))
MAY_ACT: ColumnElement[bool] = and_(_ME_ACTIVE, or_(*(c for _, c in ACT_CLAUSES)))
VIA = case(*((c, literal(via)) for via, c in ACT_CLAUSES), else_=None)

_STANDING = select(VIA).where(Task.id == bindparam("task"), MAY_ACT)
_SEATED = select(SEATED).where(Task.id == bindparam("task"))


@dataclass(frozen=True)
class Standing:
    """Why an official may act on a task, and in whose name."""

    official_id: int
    on_behalf_of_id: int | None = None  # the holder, when a delegate or forwardee acts
    via: str = "assignee"  # "assignee" | "delegate" | "forwarded" | "holder" | "superior"


async def standing(
    session: AsyncSession, task: Task, official_id: int, at: datetime
) -> Standing | None:
    """May `official_id` act on `task` now (the rule above), and why?"""
    via = await session.scalar(_STANDING, {"task": task.id, "me": official_id, "at": at})
    if via is None:
        return None
    behalf = task.assignee_id if via in ("delegate", "forwarded") else None
    return Standing(official_id, behalf, via)


async def seated(session: AsyncSession, task: Task, at: datetime) -> bool:
    """Does the task's assignee still hold its role (so that they, or their Plh, act)?"""
    if task.assignee_id is None:
        return False
    return bool(await session.scalar(_SEATED, {"task": task.id, "at": at}))


# --- seeing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who asks to see, and where the answer is shown (a group chat is read by all its members)."""

    official: Official
    group_chat_id: int | None = None


async def _seats(session: AsyncSession, official_id: int, at: datetime) -> list[RoleAssignment]:
    found = await session.scalars(
        select(RoleAssignment).where(RoleAssignment.official_id == official_id, in_force(at))
    )
    return list(found)


async def visible(
    session: AsyncSession, viewer: Viewer, sops: SopRegistry, at: datetime
) -> ColumnElement[bool]:
    """A condition on Proposal: the viewer may see it (the rule above). Bind `me` and `at`
    with `params(viewer, at)`."""
    me = viewer.official
    subscribed: ColumnElement[bool] = true()
    if viewer.group_chat_id is not None:
        subscribed = exists().where(
            GroupSubscription.chat_id == viewer.group_chat_id,
            GroupSubscription.active.is_(True),
            or_(
                GroupSubscription.sop_code.is_(None),
                GroupSubscription.sop_code == Proposal.sop_code,
            ),
        )
    if me.is_admin:
        return subscribed
    seats = await _seats(session, me.id, at)
    roles = {seat.role for seat in seats}
    by_sop: list[ColumnElement[bool]] = []
    for spec in sops.all():
        parts: list[ColumnElement[bool]] = []
        units = {s.unit for s in seats if held_per_unit(spec, s.role) and s.unit is not None}
        if units:
            parts.append(Proposal.agency_unit.in_(sorted(units)))
        if any(spec.roles[r].oversees for r in roles if r in spec.roles):
            parts.append(true())
        below = sorted(k for k, role in spec.roles.items() if role.superior in roles)
        if below:
            parts.append(
                exists().where(
                    Task.proposal_id == Proposal.id,
                    Task.escalated_at.is_not(None),
                    Task.role.in_(below),
                    Task.seat == 0,  # a disposition's task goes up to its giver alone
                )
            )
        if parts:
            by_sop.append(
                and_(
                    Proposal.sop_code == spec.code,
                    Proposal.sop_version == spec.version,
                    or_(*parts),
                )
            )
    on_task = exists().where(
        Task.proposal_id == Proposal.id,
        or_(
            Task.assignee_id == ME,
            Task.forwarded_to_id == ME,
            Task.completed_by_id == ME,
            _acts_for_assignee(),
            and_(Task.completed_at.is_(None), MAY_ACT),
        ),
    )
    disposed_to = exists().where(
        Disposition.proposal_id == Proposal.id,
        Disposition.official_id == ME,
        Disposition.recalled_at.is_(None),
    )
    return and_(subscribed, or_(Proposal.registered_by_id == ME, on_task, disposed_to, *by_sop))


def params(viewer: Viewer, at: datetime) -> dict[str, object]:
    return {"me": viewer.official.id, "at": at}
