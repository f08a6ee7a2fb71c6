"""A random walk over the office: people invited, roles revoked, officials deactivated, Plh
named, tasks forwarded and approved. After every step, each open task has someone who may act
on it (or, with every holder of its role gone, the admins may pass it on), whoever is told of
it may act on it, and each official's /tugas is exactly the tasks the gate accepts from them."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.core.engine import Approve, WorkflowError
from bot.services import queries, roster, tasks
from bot.services.context import Context
from bot.services.officials import add_official, assign_role, deactivate, delegate, revoke
from models import Official, RoleAssignment, Task
from tests.conftest import AGENCY, Office
from tests.helpers import register

ROLES = ("karo", "kabag_ks", "kasubbag_kss_ln", "analis_ls", "analis_pks", "pengelola_info")


async def _state(ctx: Context) -> tuple[list[Task], list[Official], list[RoleAssignment]]:
    now = ctx.clock.now()
    async with queries.reading(ctx) as session:
        open_tasks = list(await session.scalars(select(Task).where(Task.completed_at.is_(None))))
        people = list(await session.scalars(select(Official).where(Official.active.is_(True))))
        seats = list(await session.scalars(select(RoleAssignment).where(roster.in_force(now))))
    return open_tasks, people, seats


async def _check(ctx: Context, office: Office, step: str) -> None:
    open_tasks, people, _ = await _state(ctx)
    accepted: dict[int, set[int]] = {}
    for person in people:
        listed = {t.task_id for t in await queries.my_open_tasks(ctx, person.id)}
        gate = set()
        for task in open_tasks:
            try:
                await tasks.check(ctx, task.id, person.id, task.version, "reject")
            except WorkflowError:
                continue
            gate.add(task.id)
        assert listed == gate, f"{step}: /tugas of {person.name} is {listed}, the gate {gate}"
        for task_id in gate:
            accepted.setdefault(task_id, set()).add(person.id)
    now = ctx.clock.now()
    for task in open_tasks:
        async with queries.reading(ctx) as session:
            told = await roster.recipient(session, task, now)
            holders = await roster.holders(session, task.role, now, task.unit)
        if task.id in accepted:
            assert told is not None and told.id in accepted[task.id], f"{step}: {task.id} told"
            continue
        # Nobody may act: only because nobody holds the role — then an admin may pass it on.
        assert told is None and holders == [], f"{step}: task {task.id} is stuck"
        await tasks.check(ctx, task.id, office["admin"], task.version, "forward")


async def _step(ctx: Context, office: Office, rng: random.Random, clock: FrozenClock) -> str:
    open_tasks, people, seats = await _state(ctx)
    officials = [p for p in people if not p.is_admin]
    move = rng.choice(["invite", "revoke", "deactivate", "delegate", "forward", "act", "act"])
    admin = office["admin"]
    if move == "invite":
        role = rng.choice(ROLES)
        new = await add_official(ctx, name=f"Baru {rng.randrange(10**6)}", by=admin)
        await assign_role(ctx, official_id=new, role=role, by=admin)
        return f"invite {role}"
    if move == "revoke":
        own = [s for s in seats if s.role in ROLES]
        if own:
            seat = rng.choice(own)
            await revoke(ctx, seat.id, by=admin)
            return f"revoke {seat.role} of {seat.official_id}"
    if move == "deactivate" and len(officials) > 3:
        gone = rng.choice(officials)
        await deactivate(ctx, gone.id, by=admin)
        return f"deactivate {gone.id}"
    if move == "delegate":
        own = [s for s in seats if s.acting_for_id is None and s.role in ROLES]
        if own and officials:
            seat, acting = rng.choice(own), rng.choice(officials)
            now = clock.now()
            try:
                await delegate(
                    ctx,
                    holder_id=seat.official_id,
                    acting_id=acting.id,
                    role=seat.role,
                    start=now,
                    end=now + timedelta(days=2),
                    by=admin,
                )
            except WorkflowError:
                return "delegate refused"
            return f"delegate {seat.role}: {acting.id} for {seat.official_id}"
    if move in ("forward", "act") and open_tasks:
        task = rng.choice(open_tasks)
        mine = [p for p in people if task.id in {t.task_id for t in await _listed(ctx, p.id)}]
        if not mine:
            return "nobody to act"
        who = rng.choice(mine)
        try:
            if move == "forward":
                to = rng.choice([p for p in officials if p.id != who.id] or [who])
                await tasks.forward(ctx, task.id, who.id, to.id, "", task.version)
            else:
                await tasks.act(ctx, task.id, who.id, Approve(), task.version)
        except WorkflowError as refused:  # a missing document, a forward to oneself
            return f"{move} refused: {refused.code}"  # type: ignore[attr-defined]
        return f"{move} {task.id} by {who.id}"
    clock.advance(minutes=rng.choice((1, 30, 240)))
    return "time passes"


async def _listed(ctx: Context, official_id: int) -> list[queries.OpenTask]:
    return await queries.my_open_tasks(ctx, official_id)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_open_task_has_someone_and_the_list_is_the_gate(
    ctx: Context, office: Office, clock: FrozenClock, seed: int
) -> None:
    rng = random.Random(seed)
    for _ in range(3):
        await register(ctx, office)
    second = await add_official(ctx, name="Pejabat kedua", telegram_user_id=None)
    await assign_role(ctx, official_id=second, role="perangkat_daerah", unit=AGENCY)
    await _check(ctx, office, "start")
    for number in range(18):
        step = await _step(ctx, office, rng, clock)
        await _check(ctx, office, f"#{number} {step}")
