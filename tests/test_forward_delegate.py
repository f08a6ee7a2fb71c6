"""Forwarding a step to a named colleague, and acting officials (Plh/Plt)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.core.engine import Approve
from bot.services import tasks
from bot.services.context import Context
from bot.services.errors import AlreadyHandled, InvalidInput, NotFound, NotPermitted, NotYourTask
from bot.services.officials import add_official, assign_role, deactivate, delegate
from bot.services.queries import my_open_tasks
from tests.conftest import Office
from tests.helpers import current_step, events, open_tasks, outbox, register


async def test_a_forwarded_task_reaches_the_colleague_who_then_acts(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "Tolong siapkan <berkas>")

    forwarded = [m for m in await outbox(ctx) if m.template == "task_forwarded"]
    assert [m.chat_id for m in forwarded] == [office.chats["staf"]]
    assert forwarded[0].context["instruction"] == "Tolong siapkan <berkas>"
    assert forwarded[0].context["forwarded_by"] == "Pejabat karo"
    assert [t.task_id for t in await my_open_tasks(ctx, office["staf"])] == [task.id]

    still = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert still.target_due_at == task.target_due_at  # the step keeps its deadline
    await tasks.act(ctx, task.id, office["staf"], Approve(), still.version)
    assert await current_step(ctx, reg.proposal_id) == {"kabag_perintah_persiapan"}
    approved = next(e for e in await events(ctx) if e.type == "task_approve")
    assert approved.actor_id == office["staf"]
    assert approved.on_behalf_of_id == office["karo"]
    assert approved.payload["via"] == "forwarded"
    trail = next(e for e in await events(ctx) if e.type == "task_forwarded")
    assert (trail.actor_id, trail.payload["to"]) == (office["karo"], office["staf"])


async def test_the_holder_may_still_act_after_forwarding(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "", task.version)
    with pytest.raises(AlreadyHandled):  # buttons drawn before the forward are stale
        await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)
    redrawn = [m for m in await outbox(ctx) if m.kind == "edit" and m.template == "task_assigned"]
    assert [m.chat_id for m in redrawn] == [office.chats["karo"]]
    version = redrawn[0].context["version"]
    assert version == task.version + 1
    await tasks.act(ctx, task.id, office["karo"], Approve(), version)
    with pytest.raises(AlreadyHandled):
        await tasks.act(ctx, task.id, office["staf"], Approve(), version)


async def test_a_second_forward_takes_the_task_from_the_first_colleague(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "", task.version)
    with pytest.raises(AlreadyHandled):  # a forward button drawn before the first forward
        await tasks.forward(ctx, task.id, office["karo"], office["kabag_ks"], "", task.version)
    await tasks.forward(ctx, task.id, office["karo"], office["kabag_ks"], "", task.version + 1)
    closed = [m for m in await outbox(ctx) if m.template == "task_closed"]
    assert [(m.chat_id, m.context["result"]["action"]) for m in closed] == [
        (office.chats["staf"], "forwarded")
    ]
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, office["staf"], Approve(), task.version + 2)


async def test_an_official_removed_from_office_can_no_longer_act(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await deactivate(ctx, office["karo"], by=office["admin"])
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)


async def test_a_new_holder_takes_up_a_task_that_waited_for_one(
    ctx: Context, office: Office
) -> None:
    await deactivate(ctx, office["karo"])
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert task.assignee_id is None
    unassigned = [m for m in await outbox(ctx) if m.template == "task_unassigned"]
    # Nobody holds the role: its superior and the admins hear of it, to pass it on.
    assert [m.chat_id for m in unassigned] == [office.chats["asisten1"], office.chats["admin"]]
    newcomer = await add_official(ctx, name="Karo baru", telegram_user_id=3001)
    await assign_role(ctx, official_id=newcomer, role="karo", by=office["admin"])
    mine = await my_open_tasks(ctx, newcomer)
    assert [t.task_id for t in mine] == [task.id]
    told = [m for m in await outbox(ctx) if m.chat_id == 3001]
    assert [m.template for m in told] == ["task_assigned"]
    await tasks.act(ctx, task.id, newcomer, Approve(), mine[0].version)


async def test_only_admins_appoint(ctx: Context, office: Office) -> None:
    with pytest.raises(NotPermitted):
        await assign_role(ctx, official_id=office["staf"], role="karo", by=office["gubernur"])


async def test_delegations_may_not_overlap(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    now = clock.now()
    fields = {"holder_id": office["karo"], "role": "karo", "by": office["karo"]}
    await delegate(ctx, acting_id=office["staf"], start=now, end=now + timedelta(days=2), **fields)
    with pytest.raises(InvalidInput, match="another delegation"):
        await delegate(
            ctx,
            acting_id=office["kabag_ks"],
            start=now + timedelta(days=1),
            end=now + timedelta(days=3),
            **fields,
        )
    with pytest.raises(NotPermitted):  # someone else's stand-in is for an admin to name
        await delegate(
            ctx,
            acting_id=office["staf"],
            holder_id=office["kabag_ks"],
            role="kabag_ks",
            start=now + timedelta(days=5),
            end=now + timedelta(days=6),
            by=office["karo"],
        )


async def test_forward_refusals(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(InvalidInput):
        await tasks.forward(ctx, task.id, office["karo"], office["karo"], "ke diri sendiri")
    with pytest.raises(NotFound):
        await tasks.forward(ctx, task.id, office["karo"], 424242, "tidak ada")
    with pytest.raises(NotYourTask):
        await tasks.forward(ctx, task.id, office["orang_lain"], office["staf"], "bukan milik")


async def test_an_acting_official_gets_the_task_and_acts_in_the_holders_name(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    now = clock.now()
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=office["staf"],
        role="karo",
        start=now - timedelta(hours=1),
        end=now + timedelta(days=3),
        kind="plh",
    )
    reg = await register(ctx, office)
    assigned = [m for m in await outbox(ctx) if m.template == "task_assigned"]
    assert [m.chat_id for m in assigned] == [office.chats["staf"]]
    assert assigned[0].context["on_behalf_of"] == "Pejabat karo"

    mine = await my_open_tasks(ctx, office["staf"])
    assert [(t.role, t.via) for t in mine] == [("karo", "delegate")]
    await tasks.act(ctx, mine[0].task_id, office["staf"], Approve(), mine[0].version)
    approved = next(e for e in await events(ctx) if e.type == "task_approve")
    assert (approved.actor_id, approved.on_behalf_of_id) == (office["staf"], office["karo"])
    assert approved.payload["via"] == "delegate"
    assert await current_step(ctx, reg.proposal_id) == {"kabag_perintah_persiapan"}


async def test_a_delegation_ends_on_time(ctx: Context, office: Office, clock: FrozenClock) -> None:
    now = clock.now()
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=office["staf"],
        role="karo",
        start=now,
        end=now + timedelta(hours=2),
        kind="plt",
    )
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    clock.advance(hours=3)
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, office["staf"], Approve(), task.version)
    assert await my_open_tasks(ctx, office["staf"]) == []
    await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "wakil"}, "plh or plt"),
        ({"acting_id": None}, "themself"),
        ({"role": "raja"}, "no SOP has a role"),
    ],
)
async def test_delegation_checks_its_input(
    ctx: Context, office: Office, clock: FrozenClock, change: dict[str, object], message: str
) -> None:
    now = clock.now()
    fields: dict[str, object] = {
        "holder_id": office["karo"],
        "acting_id": office["staf"],
        "role": "karo",
        "start": now,
        "end": now + timedelta(days=1),
        "kind": "plh",
    } | change
    if fields["acting_id"] is None:
        fields["acting_id"] = office["karo"]
    with pytest.raises(InvalidInput, match=message):
        await delegate(ctx, **fields)  # type: ignore[arg-type]
